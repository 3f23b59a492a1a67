import { seededPermutation } from '@fnn/common';
import { checkInteger } from './errors.js';

/**
 * A permutation of 0..n-1, the same for the same (seed, epoch) on every machine and thread, and
 * the order `model.fit` visits samples in (both are @fnn/common's `seededPermutation`).
 */
export function permutation(n: number, seed: number, epoch = 0): Uint32Array {
  checkInteger('n', n, 0, 2 ** 32 - 1);
  checkInteger('seed', seed, Number.MIN_SAFE_INTEGER);
  checkInteger('epoch', epoch, 0);
  return seededPermutation(n, seed, epoch);
}
