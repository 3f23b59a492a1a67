import { checkInteger, DataError } from './errors.js';
import { describeValue } from '@fnn/common';
import { firstBadIndex, gatherBytes, gatherFloats, gatherWords, LITTLE_ENDIAN } from './gather.js';
import { permutation } from './shuffle.js';

/** How features are kept in memory: raw bytes (normalised while gathering) or float32. */
export type FeatureStorage = 'uint8' | 'float32';

/**
 * The structural part of a tf module that toTensors needs (`@tensorflow/tfjs`,
 * `@tensorflow/tfjs-core` or @fnn/core's tf all fit), so @fnn/data never imports tf itself.
 */
export interface Tensor2DFactory<T> {
  tensor2d(values: Float32Array, shape: [number, number], dtype?: 'float32'): T;
}

/**
 * A Dataset as plain data: SharedArrayBuffers plus metadata. postMessage / structuredClone
 * keep SharedArrayBuffers shared, so `Dataset.fromTransferable` on the other side reads and
 * writes the same memory.
 */
export interface DatasetTransferable {
  kind: 'fnn.Dataset';
  version: 1;
  size: number;
  featureShape: number[];
  labelShape: number[];
  numClasses: number | null;
  features: { storage: FeatureStorage; buffer: SharedArrayBuffer; byteOffset: number; divisor: number };
  labels: { buffer: SharedArrayBuffer; byteOffset: number };
}

type Rows = readonly ArrayLike<number>[];

export interface FromArraysArgs {
  /**
   * Features: one row per sample (number[][]), or flat row-major values (Float32Array,
   * Uint8Array, number[]) together with `featureShape`. A Uint8Array is stored as bytes and
   * divided by `featureDivisor` while gathering; everything else is stored as float32.
   */
  x: Rows | Float32Array | Uint8Array | readonly number[];
  /** Labels/targets: one row per sample (number[][]), or flat values (number[], Float32Array). */
  y: Rows | Float32Array | readonly number[];
  /** Shape of one sample's features; defaults to [row length] when x is given as rows. */
  featureShape?: readonly number[];
  /** Shape of one sample's labels; defaults to [y.length / number of samples]. */
  labelShape?: readonly number[];
  /** Number of classes when labels are classes (one-hot width, or 2 for a sigmoid output); null otherwise. */
  numClasses?: number | null;
  /** Only for Uint8Array x: gathered features are byte / featureDivisor (255 for images). Default 1. */
  featureDivisor?: number;
}

/**
 * Features and labels of `size` samples in SharedArrayBuffers, so that worker threads read the
 * same memory without copies. Features are uint8 (gathered as byte / divisor) or float32;
 * labels are float32. Slices are views of the same buffers.
 */
export class Dataset {
  readonly size: number;
  readonly featureShape: readonly number[];
  readonly labelShape: readonly number[];
  /** Values per sample: the product of featureShape / labelShape. */
  readonly featureSize: number;
  readonly labelSize: number;
  readonly numClasses: number | null;
  readonly featureStorage: FeatureStorage;
  /** Gathered features are stored value / featureDivisor (uint8 storage; 1 for float32). */
  readonly featureDivisor: number;
  /** The stored features (size × featureSize), a view into a SharedArrayBuffer. */
  readonly features: Uint8Array | Float32Array;
  /** The stored labels (size × labelSize), a view into a SharedArrayBuffer. */
  readonly labels: Float32Array;
  // byte → float lookup: exact byte / divisor, and faster than a division per value.
  private readonly byteTable: Float32Array;
  // The same bytes read four at a time (when aligned): ~10 % faster gathers than byte reads.
  private readonly featureWords: Uint32Array | null;

  private constructor(t: DatasetTransferable) {
    this.size = t.size;
    this.featureShape = Object.freeze([...t.featureShape]);
    this.labelShape = Object.freeze([...t.labelShape]);
    this.featureSize = product(t.featureShape);
    this.labelSize = product(t.labelShape);
    this.numClasses = t.numClasses;
    this.featureStorage = t.features.storage;
    this.featureDivisor = t.features.divisor;
    const n = t.size * this.featureSize;
    this.features =
      t.features.storage === 'uint8'
        ? new Uint8Array(t.features.buffer, t.features.byteOffset, n)
        : new Float32Array(t.features.buffer, t.features.byteOffset, n);
    this.labels = new Float32Array(t.labels.buffer, t.labels.byteOffset, t.size * this.labelSize);
    this.byteTable = new Float32Array(256);
    for (let b = 0; b < 256; b++) this.byteTable[b] = b / t.features.divisor;
    const wordable =
      this.features instanceof Uint8Array &&
      LITTLE_ENDIAN &&
      this.featureSize % 4 === 0 &&
      this.features.byteOffset % 4 === 0;
    this.featureWords = wordable ? new Uint32Array(t.features.buffer, t.features.byteOffset, n / 4) : null;
  }

  /** Copies user data into shared memory, validating shapes and values. */
  static fromArrays(args: FromArraysArgs): Dataset {
    if (args === null || typeof args !== 'object') {
      throw new DataError(`Expected Dataset.fromArrays's argument to be {x, y, ...}, but got ${describeValue(args)}.`);
    }
    const { x, y } = args;
    const xRows = isRows(x, 'x');
    const yRows = isRows(y, 'y');
    let size: number;
    let featureShape: number[];
    if (xRows) {
      size = x.length;
      const width = x[0]!.length; // isRows guarantees at least one row
      if (width === 0) throw new DataError('Expected x[0] to hold at least one feature, but got an empty row.');
      featureShape = args.featureShape !== undefined ? checkShape('featureShape', args.featureShape) : [width];
      if (product(featureShape) !== width) {
        throw new DataError(
          `Expected x's rows to hold ${product(featureShape)} values (featureShape [${featureShape}]), but x[0] has ${width}.`,
        );
      }
    } else {
      if (args.featureShape === undefined) {
        throw new DataError(
          `Expected featureShape with flat x (${describeValue(x)}), but got undefined; or pass x as one row per sample.`,
        );
      }
      featureShape = checkShape('featureShape', args.featureShape);
      const fs = product(featureShape);
      if (x.length % fs !== 0) {
        throw new DataError(
          `Expected x's length to be a multiple of the feature size ${fs} (featureShape [${featureShape}]), but got ${x.length}.`,
        );
      }
      size = x.length / fs;
    }
    const featureSize = product(featureShape);
    const ySamples = yRows ? y.length : null;
    if (ySamples !== null && ySamples !== size) {
      throw new DataError(`Expected y to have one row per sample of x (${size}), but got ${ySamples} rows.`);
    }
    let labelShape: number[];
    if (args.labelShape !== undefined) {
      labelShape = checkShape('labelShape', args.labelShape);
    } else if (yRows) {
      if (size === 0) throw new DataError('Expected labelShape when y has no rows, but got undefined.');
      labelShape = [y[0]!.length];
    } else {
      if (size === 0 || y.length % size !== 0) {
        throw new DataError(
          `Expected y's length to be a multiple of the number of samples in x (${size}), but got ${y.length}; pass labelShape or y as rows.`,
        );
      }
      labelShape = [y.length / size];
    }
    const labelSize = product(labelShape);
    if (!yRows && y.length !== size * labelSize) {
      throw new DataError(
        `Expected y to hold ${size} samples × ${labelSize} values (labelShape [${labelShape}]) = ${size * labelSize} values, but got ${y.length}.`,
      );
    }
    const numClasses = args.numClasses ?? null;
    if (numClasses !== null) checkInteger('numClasses', numClasses, 1);
    const divisor = args.featureDivisor ?? 1;
    if (typeof divisor !== 'number' || !(divisor > 0) || !Number.isFinite(divisor)) {
      throw new DataError(`Expected featureDivisor to be a positive finite number, but got ${describeValue(divisor)}.`);
    }
    const storage: FeatureStorage = x instanceof Uint8Array ? 'uint8' : 'float32';
    if (storage === 'float32' && args.featureDivisor !== undefined && divisor !== 1) {
      throw new DataError(
        `featureDivisor applies to Uint8Array x only; got featureDivisor ${divisor} with ${describeValue(x)}.`,
      );
    }
    const featureBytes = storage === 'uint8' ? 1 : 4;
    const t: DatasetTransferable = {
      kind: 'fnn.Dataset',
      version: 1,
      size,
      featureShape,
      labelShape,
      numClasses,
      features: { storage, buffer: new SharedArrayBuffer(size * featureSize * featureBytes), byteOffset: 0, divisor },
      labels: { buffer: new SharedArrayBuffer(size * labelSize * 4), byteOffset: 0 },
    };
    const ds = new Dataset(t);
    copyInto(ds.features, x, xRows, featureSize, 'x');
    copyInto(ds.labels, y, yRows, labelSize, 'y');
    return ds;
  }

  /** Reopens a Dataset from toTransferable()'s object, e.g. in a worker; no copy. */
  static fromTransferable(obj: DatasetTransferable): Dataset {
    if (obj === null || typeof obj !== 'object' || obj.kind !== 'fnn.Dataset' || obj.version !== 1) {
      throw new DataError(
        `Expected the result of dataset.toTransferable() (kind 'fnn.Dataset', version 1), but got ${describeValue(obj)}.`,
      );
    }
    checkInteger('size', obj.size, 0);
    const fs = product(checkShape('featureShape', obj.featureShape));
    const ls = product(checkShape('labelShape', obj.labelShape));
    const f = obj.features;
    const l = obj.labels;
    if (!(f?.buffer instanceof SharedArrayBuffer) || !(l?.buffer instanceof SharedArrayBuffer)) {
      throw new DataError(
        `Expected features.buffer and labels.buffer to be SharedArrayBuffers, but got ${describeValue(f?.buffer)} and ${describeValue(l?.buffer)}.`,
      );
    }
    if (f.storage !== 'uint8' && f.storage !== 'float32') {
      throw new DataError(`Expected features.storage to be 'uint8' or 'float32', but got ${describeValue(f.storage)}.`);
    }
    const fBytes = obj.size * fs * (f.storage === 'uint8' ? 1 : 4);
    if (f.byteOffset + fBytes > f.buffer.byteLength || l.byteOffset + obj.size * ls * 4 > l.buffer.byteLength) {
      throw new DataError(
        `Transferable dataset of ${obj.size} samples does not fit its buffers (features need ${fBytes} bytes from ${f.byteOffset} of ${f.buffer.byteLength}).`,
      );
    }
    return new Dataset(obj);
  }

  /** Plain object of SharedArrayBuffers + metadata, for postMessage to a worker. */
  toTransferable(): DatasetTransferable {
    return {
      kind: 'fnn.Dataset',
      version: 1,
      size: this.size,
      featureShape: [...this.featureShape],
      labelShape: [...this.labelShape],
      numClasses: this.numClasses,
      features: {
        storage: this.featureStorage,
        buffer: this.features.buffer as SharedArrayBuffer,
        byteOffset: this.features.byteOffset,
        divisor: this.featureDivisor,
      },
      labels: { buffer: this.labels.buffer as SharedArrayBuffer, byteOffset: this.labels.byteOffset },
    };
  }

  /** Samples [start, end) as a Dataset over the same shared memory (no copy). */
  slice(start: number, end: number = this.size): Dataset {
    checkInteger('start', start, 0, this.size);
    checkInteger('end', end, start, this.size);
    const t = this.toTransferable();
    t.size = end - start;
    t.features.byteOffset += start * this.featureSize * this.features.BYTES_PER_ELEMENT;
    t.labels.byteOffset += start * this.labelSize * 4;
    return new Dataset(t);
  }

  /** The sample order of one epoch: a permutation of 0..size-1, fixed by (seed, epoch). */
  shuffle(seed: number, epoch = 0): Uint32Array {
    return permutation(this.size, seed, epoch);
  }

  /** Number of batches `batches(batchSize)` yields, the last partial one included. */
  numBatches(batchSize: number): number {
    checkInteger('batchSize', batchSize, 1);
    return Math.ceil(this.size / batchSize);
  }

  /**
   * Consecutive batches of sample indices from `order` (default 0..size-1), the last partial
   * batch included. Each batch is a view into `order`, not a copy.
   */
  *batches(batchSize: number, order?: Uint32Array): Generator<Uint32Array, void, undefined> {
    checkInteger('batchSize', batchSize, 1);
    let indices: Uint32Array;
    if (order === undefined) {
      indices = new Uint32Array(this.size);
      for (let i = 0; i < this.size; i++) indices[i] = i;
    } else if (order instanceof Uint32Array) {
      indices = order;
    } else {
      throw new DataError(
        `Expected order to be a Uint32Array of sample indices (e.g. from shuffle()), but got ${describeValue(order)}.`,
      );
    }
    for (let start = 0; start < indices.length; start += batchSize) {
      yield indices.subarray(start, Math.min(start + batchSize, indices.length));
    }
  }

  /** Features and labels of the given samples, as new float32 arrays (row-major). */
  gather(indices: ArrayLike<number>): { x: Float32Array; y: Float32Array } {
    const x = new Float32Array(indices.length * this.featureSize);
    const y = new Float32Array(indices.length * this.labelSize);
    this.gatherInto(indices, x, y);
    return { x, y };
  }

  /**
   * Writes the features and labels of the given samples into the first rows of xOut and yOut
   * (which may be longer, e.g. reused across a last partial batch). Allocates nothing; the
   * trainer calls this once per step and worker. Returns the number of samples written.
   */
  gatherInto(indices: ArrayLike<number>, xOut: Float32Array, yOut: Float32Array): number {
    const n = indices.length;
    if (!(xOut instanceof Float32Array) || xOut.length < n * this.featureSize) {
      throw new DataError(
        `Expected xOut to be a Float32Array of at least ${n} × ${this.featureSize} = ${n * this.featureSize} values, but got ${describeValue(xOut)}.`,
      );
    }
    if (!(yOut instanceof Float32Array) || yOut.length < n * this.labelSize) {
      throw new DataError(
        `Expected yOut to be a Float32Array of at least ${n} × ${this.labelSize} = ${n * this.labelSize} values, but got ${describeValue(yOut)}.`,
      );
    }
    // Out-of-range reads of typed arrays give undefined → NaN silently; refuse them instead.
    const bad = firstBadIndex(indices, this.size);
    if (bad >= 0) {
      throw new DataError(
        `Expected indices[${bad}] to be a sample index in [0, ${this.size - 1}], but got ${describeValue(indices[bad])}.`,
      );
    }
    if (this.featureWords !== null) gatherWords(this.featureWords, this.byteTable, this.featureSize / 4, indices, xOut);
    else if (this.features instanceof Uint8Array)
      gatherBytes(this.features, this.byteTable, this.featureSize, indices, xOut);
    else gatherFloats(this.features, this.featureSize, indices, xOut);
    gatherFloats(this.labels, this.labelSize, indices, yOut);
    return n;
  }

  /**
   * All samples as `{x: [size, featureSize], y: [size, labelSize]}` tensors for single-thread
   * use. Pass the tf module (e.g. `import * as tf from '@tensorflow/tfjs'`): @fnn/data does
   * not load tf itself, so it works without it when toTensors is not called.
   */
  toTensors<T>(tf: Tensor2DFactory<T>): { x: T; y: T } {
    if (tf === null || typeof tf !== 'object' || typeof tf.tensor2d !== 'function') {
      throw new DataError(
        `Expected toTensors's tf argument to be the tf module (with tensor2d), but got ${describeValue(tf)}.`,
      );
    }
    const all = new Uint32Array(this.size);
    for (let i = 0; i < this.size; i++) all[i] = i;
    const { x, y } = this.gather(all); // fresh, unshared arrays: tf may keep a reference
    return {
      x: tf.tensor2d(x, [this.size, this.featureSize], 'float32'),
      y: tf.tensor2d(y, [this.size, this.labelSize], 'float32'),
    };
  }
}

function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

function checkShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
    throw new DataError(
      `Expected ${name} to be an array of positive integers (e.g. [784]), but got ${describeValue(shape)}.`,
    );
  }
  return [...shape] as number[];
}

/** True when `a` is given as rows (an array of arrays); validates that it is an array at all. */
function isRows(a: unknown, name: string): a is Rows {
  if (ArrayBuffer.isView(a)) return false;
  if (!Array.isArray(a)) {
    throw new DataError(`Expected ${name} to be a Float32Array or an array (of rows), but got ${describeValue(a)}.`);
  }
  return a.length > 0 && typeof a[0] === 'object';
}

function copyInto(
  dst: Float32Array | Uint8Array,
  src: ArrayLike<number> | Rows,
  rows: boolean,
  width: number,
  name: string,
): void {
  if (rows) {
    const r = src as Rows;
    for (let i = 0; i < r.length; i++) {
      const row = r[i];
      if (row === null || typeof row !== 'object' || row.length !== width) {
        throw new DataError(
          `Expected ${name}[${i}] to be a row of ${width} numbers, but got ${Array.isArray(row) ? `an array of length ${row.length}` : describeValue(row)}.`,
        );
      }
      for (let j = 0; j < width; j++) {
        const v = row[j]!;
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new DataError(`Expected ${name}[${i}][${j}] to be a finite number, but got ${describeValue(v)}.`);
        }
        dst[i * width + j] = v;
      }
    }
    return;
  }
  const flat = src as ArrayLike<number>;
  if (dst instanceof Uint8Array) {
    dst.set(flat as Uint8Array);
    return;
  }
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i]!;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new DataError(`Expected ${name}[${i}] to be a finite number, but got ${describeValue(v)}.`);
    }
    dst[i] = v;
  }
}
