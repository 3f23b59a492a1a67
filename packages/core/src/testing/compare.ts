import { tf, type Tensor } from '../tf.js';
import { SeededRandom } from '../random.js';

/** Largest |a - b| over all entries; Infinity when the shapes differ. */
export function maxAbsDifference(a: Tensor | ArrayLike<number>, b: Tensor | ArrayLike<number>): number {
  if (isTensor(a) && isTensor(b) && (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i]))) return Infinity;
  const x = isTensor(a) ? a.dataSync() : a;
  const y = isTensor(b) ? b.dataSync() : b;
  if (x.length !== y.length) return Infinity;
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (Number.isNaN(d)) return NaN;
    if (d > max) max = d;
  }
  return max;
}

/** Throws, naming `what`, the shapes and the worst entry, unless every |a - b| <= tolerance. */
export function assertClose(actual: Tensor, expected: Tensor, tolerance: number, what: string): void {
  const diff = maxAbsDifference(actual, expected);
  if (!(diff <= tolerance)) {
    throw new Error(
      `${what}: max |actual - expected| = ${diff} exceeds ${tolerance} (actual shape [${actual.shape}], expected shape [${expected.shape}]).`,
    );
  }
}

/** A float32 tensor of standard normal values from a seeded generator (the same on every backend). */
export function randomNormalTensor(shape: number[], seed: number, scale = 1): Tensor {
  const random = new SeededRandom(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = scale * random.normal();
  return tf.tensor(values, shape, 'float32');
}

function isTensor(value: unknown): value is Tensor {
  return value instanceof tf.Tensor;
}
