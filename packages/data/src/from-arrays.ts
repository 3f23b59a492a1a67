import { describeValue } from '@fnn/common';
import { checkInteger, DataError } from './errors.js';
import { checkShape, product, type DatasetTransferable, type FeatureStorage } from './transferable.js';

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
 * Checks user data and copies it into new SharedArrayBuffers: the transferable form of a new
 * Dataset (`Dataset.fromArrays`).
 */
export function arraysToTransferable(args: FromArraysArgs): DatasetTransferable {
  if (args === null || typeof args !== 'object') {
    throw new DataError(`Expected Dataset.fromArrays's argument to be {x, y, ...}, but got ${describeValue(args)}.`);
  }
  const { x, y } = args;
  const xRows = isRows(x, 'x');
  const yRows = isRows(y, 'y');
  const { size, featureShape } = featureLayout(args, xRows);
  const featureSize = product(featureShape);
  const labelShape = labelLayout(args, yRows, size);
  const labelSize = product(labelShape);
  const numClasses = args.numClasses ?? null;
  if (numClasses !== null) checkInteger('numClasses', numClasses, 1);
  const { storage, divisor } = featureStorage(args);
  const featureBytes = storage === 'uint8' ? 1 : 4;
  const features = new SharedArrayBuffer(size * featureSize * featureBytes);
  const labels = new SharedArrayBuffer(size * labelSize * 4);
  const featureView = storage === 'uint8' ? new Uint8Array(features) : new Float32Array(features);
  copyInto(featureView, { values: x, rows: xRows, width: featureSize, name: 'x' });
  copyInto(new Float32Array(labels), { values: y, rows: yRows, width: labelSize, name: 'y' });
  return {
    kind: 'fnn.Dataset',
    version: 1,
    size,
    featureShape,
    labelShape,
    numClasses,
    features: { storage, buffer: features, byteOffset: 0, divisor },
    labels: { buffer: labels, byteOffset: 0 },
  };
}

/** The number of samples and the shape of one sample's features, from x and featureShape. */
function featureLayout(args: FromArraysArgs, xRows: boolean): { size: number; featureShape: number[] } {
  const { x } = args;
  if (xRows) {
    const rows = x as Rows;
    const width = rows[0]!.length; // isRows guarantees at least one row
    if (width === 0) throw new DataError('Expected x[0] to hold at least one feature, but got an empty row.');
    const featureShape = args.featureShape !== undefined ? checkShape('featureShape', args.featureShape) : [width];
    if (product(featureShape) !== width) {
      throw new DataError(
        `Expected x's rows to hold ${product(featureShape)} values (featureShape [${featureShape}]), but x[0] has ${width}.`,
      );
    }
    return { size: rows.length, featureShape };
  }
  if (args.featureShape === undefined) {
    throw new DataError(
      `Expected featureShape with flat x (${describeValue(x)}), but got undefined; or pass x as one row per sample.`,
    );
  }
  const featureShape = checkShape('featureShape', args.featureShape);
  const fs = product(featureShape);
  if (x.length % fs !== 0) {
    throw new DataError(
      `Expected x's length to be a multiple of the feature size ${fs} (featureShape [${featureShape}]), but got ${x.length}.`,
    );
  }
  return { size: x.length / fs, featureShape };
}

/** The shape of one sample's labels, from labelShape or y, checked against the number of samples. */
function labelLayout(args: FromArraysArgs, yRows: boolean, size: number): number[] {
  const { y } = args;
  const ySamples = yRows ? y.length : null;
  if (ySamples !== null && ySamples !== size) {
    throw new DataError(`Expected y to have one row per sample of x (${size}), but got ${ySamples} rows.`);
  }
  let labelShape: number[];
  if (args.labelShape !== undefined) {
    labelShape = checkShape('labelShape', args.labelShape);
  } else if (yRows) {
    if (size === 0) throw new DataError('Expected labelShape when y has no rows, but got undefined.');
    labelShape = [(y as Rows)[0]!.length];
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
  return labelShape;
}

/** How the features are stored: bytes divided by featureDivisor while gathering, or float32. */
function featureStorage(args: FromArraysArgs): { storage: FeatureStorage; divisor: number } {
  const { x } = args;
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
  return { storage, divisor };
}

/** True when `a` is given as rows (an array of arrays); validates that it is an array at all. */
function isRows(a: unknown, name: string): a is Rows {
  if (ArrayBuffer.isView(a)) return false;
  if (!Array.isArray(a)) {
    throw new DataError(`Expected ${name} to be a Float32Array or an array (of rows), but got ${describeValue(a)}.`);
  }
  return a.length > 0 && typeof a[0] === 'object';
}

/** Where copyInto's values come from: `name`, as rows or flat, `width` values per sample. */
interface CopySource {
  values: ArrayLike<number> | Rows;
  rows: boolean;
  width: number;
  name: string;
}

/** Copies checked values (finite numbers; rows of `width`) into `dst`. */
function copyInto(dst: Float32Array | Uint8Array, source: CopySource): void {
  const { values: src, rows, width, name } = source;
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
