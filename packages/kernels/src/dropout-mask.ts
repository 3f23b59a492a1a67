// A dropout mask drawn natively into a Float32Array, as a direct call (not a tfjs kernel); the
// registered kernels that draw it as a tensor (and apply it) are kernels/fnn-dropout.ts.
import { loadAddon } from './addon.js';
import { dropoutThreshold } from './kernels/fnn-dropout.js';

function checkRate(fn: string, rate: number): void {
  if (!(rate >= 0 && rate < 1)) throw new Error(`${fn}: expected 0 <= rate < 1, but got ${rate}.`);
}

function fill(out: Float32Array, rate: number, seed: number): void {
  const { threshold, scale } = dropoutThreshold(rate);
  loadAddon().dropout(null, null, out, threshold, scale, seed >>> 0);
}

/**
 * Fills `out` with an inverted-dropout mask in one native pass, bit for bit what @fnn/core's
 * `fillDropoutMask(out, rate, seed)` writes: a mulberry32 stream from `seed`, each 32-bit draw
 * u giving u >= floor(rate * 2^32) ? 1 / (1 - rate) : 0.
 */
export function nativeDropoutMask(out: Float32Array, rate: number, seed: number): void {
  checkRate('nativeDropoutMask', rate);
  fill(out, rate, seed);
}
