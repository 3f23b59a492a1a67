// The registered tfjs kernels `FnnDropout` (mask and product in one launch) and `FnnDropoutMask`
// (the mask alone, for a noiseShape); the same mask on a plain array is ../dropout-mask.ts.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { floatValues, nativeOnly, output, sizeOf, type KernelArgs } from './util.js';

/**
 * Inverted dropout's training forward pass in one kernel launch: attrs rate and seed give the
 * mask of `nativeDropoutMask` (the bits of @fnn/core's fillDropoutMask), returns [x·mask, mask].
 */
export const DROPOUT = 'FnnDropout';
/** The mask alone: no inputs, attrs shape, rate and seed; its memory comes from the buffer pool. */
export const DROPOUT_MASK = 'FnnDropoutMask';

/** The native mask's arguments for `rate`: draws at or above threshold keep their entry, scaled by scale. */
export function dropoutThreshold(rate: number): { threshold: number; scale: number } {
  return { threshold: Math.floor(rate * 4294967296), scale: 1 / (1 - rate) };
}

function rateOf(kernel: string, attrs: KernelArgs['attrs']): number {
  const rate = Number(attrs?.rate);
  if (!(rate >= 0 && rate < 1)) throw new Error(`${kernel}: expected 0 <= rate < 1, but got ${String(attrs?.rate)}.`);
  return rate;
}

function dropout({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const x = inputs.x!;
  const rate = rateOf(DROPOUT, attrs);
  const xv = floatValues(backend, x, DROPOUT, 'x');
  const mask = takeFloat32(xv.length);
  const y = takeFloat32(xv.length);
  const { threshold, scale } = dropoutThreshold(rate);
  addon.dropout(xv, y, mask, threshold, scale, Number(attrs?.seed) >>> 0);
  return [output(backend, [...x.shape], y), output(backend, [...x.shape], mask)];
}

function dropoutMask({ backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo {
  const shape = attrs?.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new Error(`${DROPOUT_MASK}: expected shape to be a list of sizes, but got ${String(shape)}.`);
  const { threshold, scale } = dropoutThreshold(rateOf(DROPOUT_MASK, attrs));
  const mask = takeFloat32(sizeOf(shape));
  addon.dropout(null, null, mask, threshold, scale, Number(attrs?.seed) >>> 0);
  return output(backend, [...shape], mask);
}

export const dropoutKernels = [nativeOnly(DROPOUT, dropout), nativeOnly(DROPOUT_MASK, dropoutMask)];
