import type { TensorInfo } from '@tensorflow/tfjs-core';
import { BinaryOp, Broadcast, type NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { floatValues, nativeOnly, output, type KernelArgs } from './util.js';

/**
 * Inverted dropout's training forward pass in one kernel launch: attrs rate and seed give the
 * mask of `nativeDropoutMask` (the bits of @fnn/core's fillDropoutMask), returns [x·mask, mask].
 */
export const DROPOUT = 'FnnDropout';

function dropout({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const x = inputs.x!;
  const rate = Number(attrs?.rate);
  if (!(rate >= 0 && rate < 1)) throw new Error(`${DROPOUT}: expected 0 <= rate < 1, but got ${String(attrs?.rate)}.`);
  const xv = floatValues(backend, x, DROPOUT, 'x');
  const mask = takeFloat32(xv.length);
  addon.dropoutMask(mask, Math.floor(rate * 4294967296), 1 / (1 - rate), Number(attrs?.seed) >>> 0);
  const y = takeFloat32(xv.length);
  addon.binary(BinaryOp.mul, Broadcast.same, xv, mask, y, 1, xv.length);
  return [output(backend, [...x.shape], y), output(backend, [...x.shape], mask)];
}

export const dropoutKernels = [nativeOnly(DROPOUT, dropout)];
