import { ValueError } from '../errors.js';
import { FUSED, hasFused, runFused } from '../engine/fused.js';

/**
 * out[i] = Σ_j weights[j] · parts[j][i], added in part order in float64 and rounded once to
 * float32 — how a data-parallel trainer combines its shards' gradients (weights = shard size /
 * batch size): the same bits on every backend and run after run, and equal parts average to
 * exactly themselves. One native pass on the 'native' backend, a JavaScript loop elsewhere.
 */
export function weightedSum(out: Float32Array, parts: Float32Array[], weights: number[]): void {
  if (parts.length !== weights.length)
    throw new ValueError(`weightedSum: expected one weight per part (${parts.length}), but got ${weights.length}.`);
  parts.forEach((part, j) => {
    if (part.length !== out.length)
      throw new ValueError(
        `weightedSum: expected parts[${j}] to have ${out.length} values (as out), but got ${part.length}.`,
      );
    if (!Number.isFinite(weights[j]))
      throw new ValueError(`weightedSum: expected weights[${j}] to be a finite number, but got ${weights[j]}.`);
  });
  if (hasFused(FUSED.weightedSum)) {
    runFused(FUSED.weightedSum, {}, { out, parts, weights });
    return;
  }
  if (parts.length === 2) {
    const [a, b] = parts as [Float32Array, Float32Array];
    const [wa, wb] = weights as [number, number];
    for (let i = 0; i < out.length; i++) out[i] = wa * a[i]! + wb * b[i]!;
    return;
  }
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let j = 0; j < parts.length; j++) sum += weights[j]! * parts[j]![i]!;
    out[i] = sum;
  }
}
