import { MaxPool, MaxPoolGrad, type TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { isRecyclable, takeFloat32 } from '../buffer-pool.js';
import { convShape, poolInfo } from './conv-shape.js';
import { argmaxFor, recordArgmax, takeArgmaxArray } from './pool-argmax.js';
import { f32, output, override, sizeOf, type KernelArgs } from './util.js';

type PoolInfo = ReturnType<typeof poolInfo>;

/**
 * Windows that never overlap, of at most 127 taps (an offset fits an int8), over an input whose
 * array this package allocated and never handed out (src/kernels/pool-argmax.ts).
 */
function recordable(info: PoolInfo, values: Float32Array): boolean {
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  return sh >= fh && sw >= fw && fh * fw <= 127 && isRecyclable(values);
}

function maxPoolKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const x = inputs.x!;
  const xv = f32(backend, x);
  if (!xv || x.shape.length !== 4) return null;
  const info = poolInfo(x.shape, attrs!);
  // tfjs-cpu returns its input unchanged here (NaN stays NaN, where a pool would drop it).
  if (info.filterHeight === 1 && info.filterWidth === 1 && sizeOf(info.outShape) === xv.length) return null;
  const out = takeFloat32(sizeOf(info.outShape));
  const shape = convShape(info);
  if (!recordable(info, xv)) {
    addon.maxPool(xv, out, shape);
    return output(backend, info.outShape, out);
  }
  const argmax = takeArgmaxArray(out.length);
  addon.maxPoolArgmax(xv, out, argmax, shape);
  const result = output(backend, info.outShape, out);
  recordArgmax(result.dataId, { input: x.dataId, values: xv, geometry: shape.join(','), argmax });
  return result;
}

function maxPoolGradKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const { dy, input, output: y } = inputs;
  const dyv = f32(backend, dy);
  const xv = f32(backend, input);
  if (!dyv || !xv || input!.shape.length !== 4) return null;
  const info = poolInfo(input!.shape, attrs!);
  const shape = convShape(info);
  const dx = takeFloat32(xv.length);
  const argmax = y && isRecyclable(xv) ? argmaxFor(y.dataId, input!.dataId, xv, shape.join(',')) : null;
  if (argmax && dyv.length === argmax.length) addon.maxPoolGradArgmax(dyv, argmax, dx, shape);
  else addon.maxPoolGrad(dyv, xv, dx, shape);
  return output(backend, [...input!.shape], dx);
}

export const poolKernels = [override(MaxPool, maxPoolKernel), override(MaxPoolGrad, maxPoolGradKernel)];
