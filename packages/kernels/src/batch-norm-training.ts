// Training-mode batch normalization as direct calls on Float32Arrays (not tfjs kernels). The
// registered kernels @fnn/core's BatchNormalization runs are kernels/fnn-batch-norm-train.ts;
// tfjs's inference kernel is kernels/fused-batch-norm.ts.
import { loadAddon } from './addon.js';

export interface BatchNormForward {
  /** Normalized, scaled and shifted output, [rows, channels]. */
  y: Float32Array;
  /** Batch mean and (biased) variance per channel, and 1 / sqrt(variance + epsilon). */
  mean: Float32Array;
  variance: Float32Array;
  invStd: Float32Array;
}

function checkShape(fn: string, name: string, array: Float32Array | null, length: number): void {
  if (array !== null && array.length !== length) {
    throw new Error(`${fn}: expected ${name} of length ${length}, but got ${array.length}.`);
  }
}

/** Batch normalization's learned scale and offset (null: none), epsilon and channel count. */
export interface BatchNormParams {
  gamma: Float32Array | null;
  beta: Float32Array | null;
  epsilon: number;
  channels: number;
}

/**
 * Training-mode batch normalization of x [rows, channels] over its rows, in one native pass
 * per statistic (what a BatchNormalization layer's forward pass needs, moving averages aside).
 */
export function nativeBatchNormForward(x: Float32Array, params: BatchNormParams): BatchNormForward {
  const { gamma, beta, epsilon, channels } = params;
  const rows = channels > 0 ? x.length / channels : 0;
  if (!Number.isInteger(rows))
    throw new Error(`nativeBatchNormForward: x has ${x.length} values, not a multiple of ${channels} channels.`);
  checkShape('nativeBatchNormForward', 'gamma', gamma, channels);
  checkShape('nativeBatchNormForward', 'beta', beta, channels);
  const y = new Float32Array(x.length);
  const mean = new Float32Array(channels);
  const variance = new Float32Array(channels);
  const invStd = new Float32Array(channels);
  loadAddon().batchNormTrain(x, gamma, beta, epsilon, y, mean, variance, invStd, rows, channels);
  return { y, mean, variance, invStd };
}

/**
 * Its backward pass: dgamma = Σ dy·x̂, dbeta = Σ dy and
 * dx = gamma·invStd·(dy - dbeta/N - x̂·dgamma/N); dx is skipped when `needsDx` is false.
 */
export function nativeBatchNormBackward(
  dy: Float32Array,
  x: Float32Array,
  saved: { mean: Float32Array; invStd: Float32Array; gamma: Float32Array | null },
  needsDx = true,
): { dx: Float32Array | null; dgamma: Float32Array; dbeta: Float32Array } {
  const { mean, invStd, gamma } = saved;
  const channels = mean.length;
  checkShape('nativeBatchNormBackward', 'x', x, dy.length);
  checkShape('nativeBatchNormBackward', 'invStd', invStd, channels);
  checkShape('nativeBatchNormBackward', 'gamma', gamma, channels);
  const rows = channels > 0 ? dy.length / channels : 0;
  const dx = needsDx ? new Float32Array(dy.length) : null;
  const dgamma = new Float32Array(channels);
  const dbeta = new Float32Array(channels);
  loadAddon().batchNormBackward(dy, x, mean, invStd, gamma, dx, dgamma, dbeta, rows, channels);
  return { dx, dgamma, dbeta };
}
