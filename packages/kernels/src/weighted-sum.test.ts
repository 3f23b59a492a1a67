import { describe, expect, it } from 'vitest';
import { nativeWeightedSum } from './weighted-sum.js';

/** The JavaScript definition (@fnn/core's weightedSum): float64, part order, one rounding. */
function reference(parts: Float32Array[], weights: number[]): Float32Array {
  const out = new Float32Array(parts[0]!.length);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let j = 0; j < parts.length; j++) sum += weights[j]! * parts[j]![i]!;
    out[i] = sum;
  }
  return out;
}

describe('nativeWeightedSum', () => {
  it.each([1, 2, 3, 5])(
    'gives the bits of the JavaScript definition for %i part(s), on views of shared memory',
    (count) => {
      const n = 1037;
      const shared = new Float32Array(new SharedArrayBuffer(4 * (count * n + 3)));
      let state = 7;
      for (let i = 0; i < shared.length; i++) {
        state = (state * 48271) % 2147483647;
        shared[i] = Math.sin(state) * 10 ** ((i % 9) - 4);
      }
      const parts = Array.from({ length: count }, (_, j) => shared.subarray(3 + j * n, 3 + (j + 1) * n));
      const weights = Array.from({ length: count }, (_, j) => (j + 1) / ((count * (count + 1)) / 2));
      const out = new Float32Array(new SharedArrayBuffer(4 * n));
      nativeWeightedSum(out, parts, weights);
      expect(out).toEqual(reference(parts, weights));
    },
  );

  it('names the argument that does not fit', () => {
    const out = new Float32Array(4);
    expect(() => nativeWeightedSum(out, [new Float32Array(3)], [1])).toThrow(
      'nativeWeightedSum: parts[0] must be a Float32Array of length 4, but got length 3.',
    );
    expect(() => nativeWeightedSum(out, [out], [1, 2])).toThrow(
      'nativeWeightedSum: expected as many weights as parts, but got 1 parts and 2 weights.',
    );
  });
});
