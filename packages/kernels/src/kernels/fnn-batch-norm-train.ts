// The registered tfjs kernels `FnnBatchNormTrain` and `FnnBatchNormTrainGrad`: training-mode batch
// normalization over all axes but the last, one native pass per statistic, which @fnn/core's
// BatchNormalization runs where the backend registers them (~15 tfjs ops otherwise). tfjs's
// inference kernel is fused-batch-norm.ts; the same passes on plain arrays, ../batch-norm-training.ts.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { expectShape, floatValues, nativeOnly, output, type KernelArgs } from './util.js';

export const BATCH_NORM_TRAIN = 'FnnBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'FnnBatchNormTrainGrad';

/** A per-channel input's values (checked to be [channels]), or null when it is absent. */
function perChannel(args: KernelArgs, name: string, kernel: string, channels: number): Float32Array | null {
  const t = args.inputs[name];
  if (!t) return null;
  expectShape(t, [channels], kernel, name);
  return floatValues(args.backend, t, kernel, name);
}

/**
 * Inputs x [..., channels], optional gamma and beta [channels]; attrs epsilon.
 * Returns [y = gamma·(x - mean)·invStd + beta, mean, variance (biased), invStd = 1/sqrt(variance + epsilon)].
 */
function batchNormTrain(args: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const x = args.inputs.x!;
  const channels = x.shape[x.shape.length - 1] ?? 1;
  const xv = floatValues(args.backend, x, BATCH_NORM_TRAIN, 'x');
  const gamma = perChannel(args, 'gamma', BATCH_NORM_TRAIN, channels);
  const beta = perChannel(args, 'beta', BATCH_NORM_TRAIN, channels);
  const y = takeFloat32(xv.length);
  const [mean, variance, invStd] = [0, 1, 2].map(() => new Float32Array(channels)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const rows = channels > 0 ? xv.length / channels : 0;
  addon.batchNormTrain(xv, gamma, beta, Number(args.attrs?.epsilon), y, mean, variance, invStd, rows, channels);
  return [
    output(args.backend, [...x.shape], y),
    output(args.backend, [channels], mean),
    output(args.backend, [channels], variance),
    output(args.backend, [channels], invStd),
  ];
}

/** Inputs dy and x [..., channels], mean and invStd from `FnnBatchNormTrain`, optional gamma. Returns [dx, dgamma, dbeta]. */
function batchNormTrainGrad(args: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const { dy, x } = args.inputs;
  const channels = dy!.shape[dy!.shape.length - 1] ?? 1;
  expectShape(x!, dy!.shape, BATCH_NORM_TRAIN_GRAD, 'x');
  const dyv = floatValues(args.backend, dy!, BATCH_NORM_TRAIN_GRAD, 'dy');
  const mean = perChannel(args, 'mean', BATCH_NORM_TRAIN_GRAD, channels)!;
  const invStd = perChannel(args, 'invStd', BATCH_NORM_TRAIN_GRAD, channels)!;
  const gamma = perChannel(args, 'gamma', BATCH_NORM_TRAIN_GRAD, channels);
  const dx = takeFloat32(dyv.length);
  const [dgamma, dbeta] = [new Float32Array(channels), new Float32Array(channels)];
  const xv = floatValues(args.backend, x!, BATCH_NORM_TRAIN_GRAD, 'x');
  const rows = channels > 0 ? dyv.length / channels : 0;
  addon.batchNormBackward(dyv, xv, mean, invStd, gamma, dx, dgamma, dbeta, rows, channels);
  return [
    output(args.backend, [...dy!.shape], dx),
    output(args.backend, [channels], dgamma),
    output(args.backend, [channels], dbeta),
  ];
}

export const batchNormTrainKernels = [
  nativeOnly(BATCH_NORM_TRAIN, batchNormTrain),
  nativeOnly(BATCH_NORM_TRAIN_GRAD, batchNormTrainGrad),
];
