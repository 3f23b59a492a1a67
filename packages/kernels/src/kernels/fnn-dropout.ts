// The registered tfjs kernel `FnnDropout` (mask and product in one launch); the direct calls that
// only draw a mask are ../dropout-mask.ts.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { floatValues, nativeOnly, output, type KernelArgs } from './util.js';

/**
 * Inverted dropout's training forward pass in one kernel launch: attrs rate and seed give the
 * mask of `nativeDropoutMask` (the bits of @fnn/core's fillDropoutMask), returns [x·mask, mask].
 */
export const DROPOUT = 'FnnDropout';

/** The native mask's arguments for `rate`: draws at or above threshold keep their entry, scaled by scale. */
export function dropoutThreshold(rate: number): { threshold: number; scale: number } {
  return { threshold: Math.floor(rate * 4294967296), scale: 1 / (1 - rate) };
}

function dropout({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const x = inputs.x!;
  const rate = Number(attrs?.rate);
  if (!(rate >= 0 && rate < 1)) throw new Error(`${DROPOUT}: expected 0 <= rate < 1, but got ${String(attrs?.rate)}.`);
  const xv = floatValues(backend, x, DROPOUT, 'x');
  const mask = takeFloat32(xv.length);
  const y = takeFloat32(xv.length);
  const { threshold, scale } = dropoutThreshold(rate);
  addon.dropout(xv, y, mask, threshold, scale, Number(attrs?.seed) >>> 0);
  return [output(backend, [...x.shape], y), output(backend, [...x.shape], mask)];
}

export const dropoutKernels = [nativeOnly(DROPOUT, dropout)];
