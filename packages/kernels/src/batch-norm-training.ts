// Training-mode batch normalization as direct calls (not tfjs kernels): on Float32Arrays, and on
// tensors for @fnn/core's BatchNormalization. tfjs's inference kernel is kernels/fused-batch-norm.ts.
import { engine, tensor1d, type Tensor } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadAddon } from './addon.js';
import { typedArrayBackend } from './backend.js';
import { takeFloat32 } from './buffer-pool.js';
import { tensorValues } from './tensor-data.js';

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

/**
 * Training-mode batch normalization of x [rows, channels] over its rows, in one native pass
 * per statistic (what a BatchNormalization layer's forward pass needs, moving averages aside).
 */
export function nativeBatchNormForward(
  x: Float32Array,
  gamma: Float32Array | null,
  beta: Float32Array | null,
  epsilon: number,
  channels: number,
): BatchNormForward {
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
  mean: Float32Array,
  invStd: Float32Array,
  gamma: Float32Array | null,
  needsDx = true,
): { dx: Float32Array | null; dgamma: Float32Array; dbeta: Float32Array } {
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

function backendOrThrow(fn: string): MathBackendCPU {
  const backend = typedArrayBackend();
  if (!backend) throw new Error(`${fn}: needs the 'native' backend, but the active one is '${engine().backendName}'.`);
  return backend;
}

function floatValues(fn: string, name: string, t: Tensor): Float32Array {
  const values = tensorValues(t);
  if (!values) throw new Error(`${fn}: expected ${name} to be a float32 tensor, but got dtype ${t.dtype}.`);
  return values;
}

function pooledTensor(backend: MathBackendCPU, shape: number[], values: Float32Array): Tensor {
  return engine().makeTensorFromTensorInfo(backend.makeTensorInfo(shape, 'float32', values), backend);
}

/**
 * Training-mode batch normalization of a float32 tensor over all axes but the last, on the
 * native backend, as tensors (output memory from the buffer pool): y = gamma·(x - mean)·invStd + beta.
 * `mean` and `variance` (biased) have shape [channels]; `invStd` = 1/sqrt(variance + epsilon).
 */
export function nativeBatchNormTrain(
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  epsilon: number,
): { y: Tensor; mean: Tensor; variance: Tensor; invStd: Tensor } {
  const fn = 'nativeBatchNormTrain';
  const backend = backendOrThrow(fn);
  const channels = x.shape[x.rank - 1] ?? 1;
  const xv = floatValues(fn, 'x', x);
  const g = gamma ? floatValues(fn, 'gamma', gamma) : null;
  const b = beta ? floatValues(fn, 'beta', beta) : null;
  checkShape(fn, 'gamma', g, channels);
  checkShape(fn, 'beta', b, channels);
  const y = takeFloat32(xv.length);
  const mean = new Float32Array(channels);
  const variance = new Float32Array(channels);
  const invStd = new Float32Array(channels);
  loadAddon().batchNormTrain(
    xv,
    g,
    b,
    epsilon,
    y,
    mean,
    variance,
    invStd,
    channels > 0 ? xv.length / channels : 0,
    channels,
  );
  return {
    y: pooledTensor(backend, [...x.shape], y),
    mean: tensor1d(mean),
    variance: tensor1d(variance),
    invStd: tensor1d(invStd),
  };
}

/** The gradients of `nativeBatchNormTrain` from dy: dx (pooled, or null when not needed), dgamma and dbeta of shape [channels]. */
export function nativeBatchNormTrainGrad(
  dy: Tensor,
  x: Tensor,
  mean: Tensor,
  invStd: Tensor,
  gamma: Tensor | null,
  needsDx = true,
): { dx: Tensor | null; dgamma: Tensor; dbeta: Tensor } {
  const fn = 'nativeBatchNormTrainGrad';
  const backend = backendOrThrow(fn);
  const dyv = floatValues(fn, 'dy', dy);
  const xv = floatValues(fn, 'x', x);
  const m = floatValues(fn, 'mean', mean);
  const s = floatValues(fn, 'invStd', invStd);
  const g = gamma ? floatValues(fn, 'gamma', gamma) : null;
  const channels = m.length;
  checkShape(fn, 'x', xv, dyv.length);
  checkShape(fn, 'invStd', s, channels);
  checkShape(fn, 'gamma', g, channels);
  const dx = needsDx ? takeFloat32(dyv.length) : null;
  const dgamma = new Float32Array(channels);
  const dbeta = new Float32Array(channels);
  loadAddon().batchNormBackward(
    dyv,
    xv,
    m,
    s,
    g,
    dx,
    dgamma,
    dbeta,
    channels > 0 ? dyv.length / channels : 0,
    channels,
  );
  return { dx: dx ? pooledTensor(backend, [...dy.shape], dx) : null, dgamma: tensor1d(dgamma), dbeta: tensor1d(dbeta) };
}
