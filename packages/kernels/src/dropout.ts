import { loadAddon } from './addon.js';

/**
 * Fills `out` with an inverted-dropout mask in one native pass: 0 where u < rate, else
 * 1 / (1 - rate), with u drawn from the same mulberry32 stream as @fnn/core's SeededRandom
 * (u = nextUint32() / 2^32), so masks are identical to a JavaScript loop over `random.next()`.
 * `state` is the generator's 32-bit state; the state after the last draw is returned.
 */
export function nativeDropoutMask(out: Float32Array, rate: number, state: number): number {
  if (!(rate >= 0 && rate < 1)) throw new Error(`nativeDropoutMask: expected 0 <= rate < 1, but got ${rate}.`);
  return loadAddon().dropoutMask(out, rate, state >>> 0);
}
