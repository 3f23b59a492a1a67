import { ValueError, describeValue } from '../errors.js';

export type PaddingMode = 'valid' | 'same';

/** `3` or `[3, 3]` -> `[3, 3]`, each a positive integer (kernel sizes, strides, pool sizes). */
export function normalizePair(value: unknown, argument: string, owner: string): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  const valid =
    Array.isArray(pair) &&
    pair.length === 2 &&
    pair.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0);
  if (!valid) {
    throw new ValueError(
      `${owner}: expected ${argument} to be a positive integer or a pair of them, but got ${describeValue(value)}.`,
    );
  }
  return [pair[0] as number, pair[1] as number];
}

/** Spatial output size of a convolution or pooling window, as TensorFlow computes it. */
export function convOutputLength(
  inputLength: number | null,
  windowSize: number,
  padding: PaddingMode,
  stride: number,
): number | null {
  if (inputLength === null) return null;
  const length = padding === 'same' ? inputLength : inputLength - windowSize + 1;
  return Math.floor((length + stride - 1) / stride);
}

/** Rows (or columns) of padding before the input for `same` padding (TensorFlow puts the odd one after). */
export function paddingBefore(inputLength: number, windowSize: number, padding: PaddingMode, stride: number): number {
  if (padding === 'valid') return 0;
  const outputLength = Math.ceil(inputLength / stride);
  return Math.floor(Math.max((outputLength - 1) * stride + windowSize - inputLength, 0) / 2);
}
