// tfjs's registered `FusedBatchNorm` kernel (inference, with moving statistics) on the native
// backend; training-mode batch norm is ../batch-norm-training.ts.
import { FusedBatchNorm, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { f32, output, override, type KernelArgs } from './util.js';

/** A per-channel parameter as a length-C array (a scalar is repeated); null if it is neither. */
function perChannel(backend: MathBackendCPU, t: TensorInfo | undefined, channels: number): Float32Array | null {
  const values = f32(backend, t);
  if (!values) return null;
  if (values.length === channels) return values;
  if (values.length === 1) return new Float32Array(channels).fill(values[0]!);
  return null;
}

function batchNormKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const { x, mean, variance, offset, scale } = inputs;
  const xv = f32(backend, x);
  if (!xv || x!.shape.length === 0) return null;
  const channels = x!.shape[x!.shape.length - 1]!;
  const m = perChannel(backend, mean, channels);
  const v = perChannel(backend, variance, channels);
  const o = offset ? perChannel(backend, offset, channels) : null;
  const s = scale ? perChannel(backend, scale, channels) : null;
  if (!m || !v || (offset && !o) || (scale && !s) || channels === 0) return null;
  const epsilon = (attrs?.varianceEpsilon as number | undefined) ?? 0.001;
  const out = takeFloat32(xv.length);
  addon.batchNorm(xv, m, v, o, s, epsilon, out, xv.length / channels, channels);
  return output(backend, [...x!.shape], out);
}

export const batchNormKernels = [override(FusedBatchNorm, batchNormKernel)];
