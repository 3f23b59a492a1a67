import { describe, expect, it } from 'vitest';
import { epochOrder } from '@fnn/core/training';
import { permutation } from '@fnn/data';

describe('shuffling', () => {
  it("@fnn/core's fit visits samples in the order of @fnn/data's permutation(n, seed, epoch)", () => {
    for (const [n, seed, epoch] of [
      [10, 7, 0],
      [1000, 42, 3],
      [55000, 1, 0],
      [1, 5, 2],
    ] as const) {
      expect(Array.from(epochOrder(n, true, seed, epoch))).toEqual(Array.from(permutation(n, seed, epoch)));
    }
  });
});
