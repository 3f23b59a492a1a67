import { MaxPool, MaxPoolGrad, type TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { convShape, poolInfo } from './conv-shape.js';
import { f32, output, override, sizeOf, type KernelArgs } from './util.js';

function maxPoolKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const x = inputs.x!;
  const xv = f32(backend, x);
  if (!xv || x.shape.length !== 4) return null;
  const info = poolInfo(x.shape, attrs!);
  // tfjs-cpu returns its input unchanged here (NaN stays NaN, where a pool would drop it).
  if (info.filterHeight === 1 && info.filterWidth === 1 && sizeOf(info.outShape) === xv.length) return null;
  const out = takeFloat32(sizeOf(info.outShape));
  addon.maxPool(xv, out, convShape(info));
  return output(backend, info.outShape, out);
}

function maxPoolGradKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const { dy, input } = inputs;
  const dyv = f32(backend, dy);
  const xv = f32(backend, input);
  if (!dyv || !xv || input!.shape.length !== 4) return null;
  const info = poolInfo(input!.shape, attrs!);
  const dx = takeFloat32(xv.length);
  addon.maxPoolGrad(dyv, xv, dx, convShape(info));
  return output(backend, [...input!.shape], dx);
}

export const poolKernels = [override(MaxPool, maxPoolKernel), override(MaxPoolGrad, maxPoolGradKernel)];
