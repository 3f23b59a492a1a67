import { describeValue } from '@fnn/common';
import { checkInteger, DataError } from './errors.js';

/** How features are kept in memory: raw bytes (normalised while gathering) or float32. */
export type FeatureStorage = 'uint8' | 'float32';

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

/** Throws unless `obj` is a transferable dataset whose buffers hold its samples (it crossed a thread boundary: untrusted). */
export function checkTransferable(obj: DatasetTransferable): void {
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
}

export function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

export function checkShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
    throw new DataError(
      `Expected ${name} to be an array of positive integers (e.g. [784]), but got ${describeValue(shape)}.`,
    );
  }
  return [...shape] as number[];
}
