import { loadAddon } from './addon.js';

/**
 * out[i] = Σ_j weights[j] · parts[j][i], in float64 in part order, rounded once (the same bits as
 * @fnn/core's JavaScript `weightedSum`): one pass over memory for a data-parallel trainer's
 * gradient average.
 */
export function nativeWeightedSum(out: Float32Array, parts: Float32Array[], weights: number[]): void {
  if (!(out instanceof Float32Array))
    throw new Error(`nativeWeightedSum: expected out to be a Float32Array, but got ${typeof out}.`);
  if (!Array.isArray(parts) || !Array.isArray(weights) || parts.length !== weights.length) {
    throw new Error(
      `nativeWeightedSum: expected as many weights as parts, but got ${Array.isArray(parts) ? parts.length : typeof parts} parts and ${Array.isArray(weights) ? weights.length : typeof weights} weights.`,
    );
  }
  parts.forEach((part, j) => {
    if (!(part instanceof Float32Array) || part.length !== out.length) {
      throw new Error(
        `nativeWeightedSum: parts[${j}] must be a Float32Array of length ${out.length}, but got ${part instanceof Float32Array ? `length ${part.length}` : typeof part}.`,
      );
    }
    if (typeof weights[j] !== 'number' || !Number.isFinite(weights[j]))
      throw new Error(`nativeWeightedSum: weights[${j}] must be a finite number, but got ${String(weights[j])}.`);
  });
  loadAddon().weightedSum(out, parts, weights);
}
