// The fused Conv2D(relu) + MaxPool kernels' calls and the separate kernels they replace, for the
// conv-pool tests: forward and backward both ways, the pooled shape, inputs, and outputs as bits.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { type Input, rand } from './compare-with-cpu.js';
import { CONV2D_MAX_POOL, CONV2D_MAX_POOL_BACKWARD } from '../src/kernels/conv-pool.js';
import { CONV2D_BACKWARD } from '../src/kernels/conv-backward.js';
import type { Geometry } from './conv-geometries.js';

export interface Case extends Geometry {
  pool: number;
}

/** FusedConv2D with a bias (relu unless `c` says linear). */
export const conv = (c: Geometry & { activation?: 'relu' | 'linear' }, x: tf.Tensor, f: tf.Tensor, b: tf.Tensor) =>
  tf.fused.conv2d({
    x: x as tf.Tensor4D,
    filter: f as tf.Tensor4D,
    bias: b,
    strides: c.strides,
    pad: c.pad as 'same',
    activation: c.activation ?? 'relu',
  });

/** The separate kernels' forward pass: [pooled, the convolution's output]. */
export function chainForward(c: Case, x: tf.Tensor, f: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const y = conv(c, x, f, b);
  return [tf.maxPool(y, c.pool, c.pool, 'valid'), y];
}

export const attrsOf = (c: Case) => ({ strides: [c.strides, c.strides], pad: c.pad, poolSize: [c.pool, c.pool] });

export function fusedForward(c: Case, x: tf.Tensor, f: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(CONV2D_MAX_POOL, { x, filter: f, bias: b }, attrsOf(c) as never) as tf.Tensor;
}

/** x, filter, bias and the pooled output's gradient dp. */
export type Tensors = [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];

/** The separate kernels' gradients [dFilter, dBias, dx] of Σ pooled·dp. */
export function chainBackward(c: Case, [x, f, b, dp]: Tensors): tf.Tensor[] {
  const [pooled, y] = chainForward(c, x, f, b);
  const poolAttrs = { filterSize: c.pool, strides: c.pool, pad: 'valid', dimRoundingMode: undefined };
  const dy = tf.engine().runKernel('MaxPoolGrad', { dy: dp, input: y, output: pooled }, poolAttrs as never);
  if (tf.getBackend() === 'native') {
    const attrs = { strides: c.strides, pad: c.pad, activation: 'relu', useBias: true, needsDx: true };
    return tf.engine().runKernel(CONV2D_BACKWARD, { x, y, dy, filter: f }, attrs as never) as tf.Tensor[];
  }
  const dz = tf.mul(dy as tf.Tensor, tf.step(y));
  const geometry = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
  return [
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, { ...geometry, filterShape: c.f } as never),
    tf.sum(dz, [0, 1, 2]),
    tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter: f }, { ...geometry, inputShape: c.x } as never),
  ] as tf.Tensor[];
}

/** The fused backward pass from `pooled` (default: the fused forward pass's), with `extra` attrs. */
export function fusedBackward(
  c: Case,
  [x, f, b, dp]: Tensors,
  { pooled = fusedForward(c, x, f, b), extra = {} }: { pooled?: tf.Tensor; extra?: Record<string, unknown> } = {},
): tf.Tensor[] {
  const attrs = { ...attrsOf(c), useBias: true, needsDx: true, ...extra };
  const inputs = { x, y: pooled, dy: dp, filter: f, bias: b };
  return tf.engine().runKernel(CONV2D_MAX_POOL_BACKWARD, inputs, attrs as never) as tf.Tensor[];
}

export const pooledShape = (c: Case): number[] =>
  tf.tidy(() => {
    const zeros = [tf.zeros(c.x), tf.zeros(c.f), tf.zeros([c.f[3]!])] as const;
    return chainForward(c, ...zeros)[0].shape;
  });

/** x, filter, bias (a third negative, so relu zeroes some windows whole) and dp. */
export function inputs(c: Case): Input[] {
  return [rand(c.x), rand(c.f), rand([c.f[3]!], -0.5, 0.25), rand(pooledShape(c))];
}

export function bits(op: (...xs: tf.Tensor[]) => tf.Tensor, values: Input[]): number[] {
  tf.setBackend('native');
  return tf.tidy(() => {
    const xs = values.map((v) => tf.tensor(v.values.slice(), v.shape, 'float32'));
    return Array.from(new Uint32Array(Float32Array.from(op(...xs).dataSync()).buffer));
  });
}

/** Floats per vector of an instruction-set build of the kernels. */
const vectorWidth: Record<string, number> = { avx512: 16, avx2: 8, portable: 4 };

/** [outHeight, outWidth] of a convolution and whether a window reaches into its padding. */
function outputOf(g: Geometry): { oh: number; ow: number; padded: boolean } {
  const [, h, w] = g.x as [number, number, number];
  const [fh, fw] = g.f as [number, number];
  const d = g.dilations ?? 1;
  const [eh, ew] = [(fh - 1) * d + 1, (fw - 1) * d + 1];
  if (g.pad === 'same') {
    const [oh, ow] = [Math.ceil(h / g.strides), Math.ceil(w / g.strides)];
    const padded = (oh - 1) * g.strides + eh > h || (ow - 1) * g.strides + ew > w;
    return { oh, ow, padded };
  }
  const p = g.pad === 'valid' ? 0 : g.pad;
  const oh = Math.floor((h + 2 * p - eh) / g.strides) + 1;
  const ow = Math.floor((w + 2 * p - ew) / g.strides) + 1;
  return { oh, ow, padded: p > 0 };
}

/**
 * Whether a convolution runs directly on `isa` (native/conv_direct.h): no window reaches into its
 * padding, at most 27 taps, whole channel vectors.
 */
export function takesConvDirectPath(g: Geometry, isa: string): boolean {
  const [fh, fw, cin, cout] = g.f as [number, number, number, number];
  return !outputOf(g).padded && fh * fw * cin <= 27 && cout % vectorWidth[isa]! === 0;
}

/** Whether the fused pair takes the direct path (native/conv_pool_direct.h): a 2x2 pool over such a convolution. */
export function takesDirectPath(c: Case, isa: string): boolean {
  const { oh, ow } = outputOf(c);
  return c.pool === 2 && oh >= 2 && ow >= 2 && takesConvDirectPath(c, isa);
}

/**
 * Two native results (as bits) within 1e-5 of `want`'s scale, as expectClose checks against
 * tfjs-cpu: NaN and infinities where `want` has them.
 */
export function expectNear(got: number[], want: number[], tolerance = 1e-5): void {
  const g = new Float32Array(Uint32Array.from(got).buffer);
  const w = new Float32Array(Uint32Array.from(want).buffer);
  expect(g.length).toBe(w.length);
  let scale = 0;
  for (const v of w) if (Number.isFinite(v)) scale += Math.abs(v);
  scale = w.length ? scale / w.length : 0;
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i]!)) {
      expect(g[i]).toBeNaN();
      continue;
    }
    if (g[i] === w[i]) continue;
    const allowed = tolerance * Math.max(Math.abs(w[i]!), scale, 1e-30);
    if (!(Math.abs(g[i]! - w[i]!) <= allowed)) {
      throw new Error(`element ${i}: ${g[i]}, want ${w[i]} (allowed difference ${allowed})`);
    }
  }
}
