// The direct path of few-tap convolutions without a pool (native/conv_direct.h: at most 27 taps,
// no window into the padding, whole channel vectors; no im2col): FusedConv2D (bias, relu or
// linear), Conv2D, Conv2DBackpropFilter and FnnConv2DBackward (relu, bias, filter gradient, with
// and without dx) within 1e-5 of tfjs-cpu on the MNIST convnet's first layer and awkward shapes
// (odd sizes, rows longer than a register tile, cin 1 and 3, 1x1, 3x3, 5x5, stride 2, batch 0
// and 1), FnnConv2DBackward's bits those of its op chain, NaN and infinities where tfjs-cpu puts
// them; shapes just outside the conditions keep working on the im2col path. On every
// instruction-set build: this file runs again in child processes with FNN_NATIVE_ISA forced.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, type Input, rand, withValues } from '../test-support/compare-with-cpu.js';
import type { Geometry } from '../test-support/conv-geometries.js';
import { bits, conv, takesConvDirectPath } from '../test-support/conv-pool-ops.js';
import { itRunsTheForcedIsa, rerunOnEveryIsa } from '../test-support/isa-children.js';
import { CONV2D_BACKWARD } from './kernels/conv-backward.js';
import { nativeIsa, registerNativeBackend } from './index.js';

beforeAll(async () => {
  registerNativeBackend();
  await tf.setBackend('native');
});

const conv1: Geometry = { x: [16, 28, 28, 1], f: [3, 3, 1, 32], strides: 1, pad: 'valid' };
const odd: Geometry = { x: [1, 9, 11, 3], f: [3, 3, 3, 16], strides: 1, pad: 'valid' }; // 27 taps, 7x9
const direct: Geometry[] = [
  conv1,
  odd,
  { x: [2, 12, 13, 1], f: [5, 5, 1, 48], strides: 1, pad: 'valid' }, // 25 taps, 8x9
  { x: [3, 10, 9, 3], f: [3, 3, 3, 48], strides: 1, pad: 'valid' }, // 27 taps: three tap blocks
  { x: [1, 5, 40, 1], f: [3, 3, 1, 16], strides: 1, pad: 'valid' }, // rows of 38: whole tiles and a tail
  { x: [1, 7, 6, 1], f: [3, 3, 1, 32], strides: 1, pad: 'valid' }, // batch 1, 5x4
  { x: [2, 11, 12, 1], f: [3, 3, 1, 32], strides: 2, pad: 'valid' }, // 5x5
  { x: [2, 5, 7, 3], f: [1, 1, 3, 16], strides: 1, pad: 'valid' }, // 1x1 pointwise
  { x: [2, 7, 6, 3], f: [1, 1, 3, 32], strides: 2, pad: 'same' }, // 1x1, stride 2: 'same' pads nothing
  { x: [0, 8, 8, 1], f: [3, 3, 1, 32], strides: 1, pad: 'valid' }, // batch 0
];
// Just outside: 28 taps; 6 output channels (no whole vector on any ISA); padding.
const im2col: Geometry[] = [
  { x: [2, 8, 8, 7], f: [2, 2, 7, 16], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 1], f: [3, 3, 1, 6], strides: 1, pad: 'valid' },
  { x: [2, 9, 9, 1], f: [3, 3, 1, 32], strides: 1, pad: 'same' },
];

const name = (g: Geometry) => `x ${g.x.join('x')}, filter ${g.f.join('x')}, stride ${g.strides}, pad ${g.pad}`;
const outShape = (g: Geometry): number[] =>
  tf.tidy(
    () => tf.conv2d(tf.zeros(g.x) as tf.Tensor4D, tf.zeros(g.f) as tf.Tensor4D, g.strides, g.pad as 'same').shape,
  );
const geometryAttrs = (g: Geometry) => ({ strides: g.strides, pad: g.pad, dataFormat: 'NHWC' });

/** x, filter, bias (a third negative, so relu zeroes some outputs), dy, y (a relu output, a quarter 0). */
function inputs(g: Geometry): Input[] {
  const y = rand(outShape(g), -0.3, 1);
  y.values = y.values.map((v) => Math.max(v, 0));
  return [rand(g.x), rand(g.f), rand([g.f[3]!], -0.5, 0.25), rand(outShape(g)), y];
}

type Op = (...xs: tf.Tensor[]) => tf.Tensor;

/** The forward ops from [x, filter, bias]. */
function forwardOps(g: Geometry): Op[] {
  const fused = (activation: 'relu' | 'linear') => (x: tf.Tensor, f: tf.Tensor, b: tf.Tensor) =>
    conv({ ...g, activation }, x, f, b);
  return [
    fused('relu'),
    fused('linear'),
    (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, g.strides, g.pad as 'same'),
  ];
}

/** Conv2DBackpropFilter from [x, filter, bias, dy]. */
const filterGradient =
  (g: Geometry): Op =>
  (x, _f, _b, dy) =>
    tf.engine().runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! }, { ...geometryAttrs(g), filterShape: g.f });

/**
 * Output k of a relu layer's backward pass ([dFilter, dBias, dx if needsDx]) from [x, filter,
 * bias, dy, y]: FnnConv2DBackward on native (unless chainOnNative), its op chain elsewhere.
 */
const backward =
  (g: Geometry, needsDx: boolean, chainOnNative = false) =>
  (k: number): Op =>
  (...xs) => {
    const [x, f, , dy, y] = xs;
    if (tf.getBackend() === 'native' && !chainOnNative) {
      const attrs = { strides: g.strides, pad: g.pad, activation: 'relu', useBias: true, needsDx };
      return (
        tf.engine().runKernel(CONV2D_BACKWARD, { x: x!, y: y!, dy: dy!, filter: f! }, attrs as never) as tf.Tensor[]
      )[k]!;
    }
    const dz = tf.mul(dy!, tf.step(y!));
    if (k === 0) return filterGradient(g)(x!, f!, f!, dz);
    if (k === 1) return tf.sum(dz, [0, 1, 2]);
    return tf
      .engine()
      .runKernel('Conv2DBackpropInput', { dy: dz, filter: f! }, { ...geometryAttrs(g), inputShape: g.x });
  };

/**
 * Every op within 1e-5 of tfjs-cpu (and bit-identical on repeat), FnnConv2DBackward bit for bit
 * its op chain's on native (with and without dx).
 */
function expectMatches(g: Geometry, values: Input[]): void {
  for (const op of forwardOps(g)) expectClose(op, values.slice(0, 3));
  expectClose(filterGradient(g), values.slice(0, 4));
  for (const needsDx of [false, true])
    for (let k = 0; k < (needsDx ? 3 : 2); k++) {
      expectClose(backward(g, needsDx)(k), values);
      expect(bits(backward(g, needsDx)(k), values)).toEqual(bits(backward(g, needsDx, true)(k), values));
    }
}

const title = 'direct few-tap Conv2D without a pool on native';

describe(`${title} (${process.env.FNN_NATIVE_ISA ?? 'widest'} kernels)`, () => {
  itRunsTheForcedIsa(nativeIsa);

  for (const g of direct) {
    it(`takes the direct path within 1e-5 of tfjs-cpu, ${name(g)}`, () => {
      expect(takesConvDirectPath(g, nativeIsa())).toBe(true);
      expectMatches(g, inputs(g));
    });
  }

  for (const g of im2col) {
    it(`falls back to the im2col path, ${name(g)}`, () => {
      expect(takesConvDirectPath(g, nativeIsa())).toBe(false);
      expectMatches(g, inputs(g));
    });
  }

  it('propagates NaN and infinities in x, the filter, the bias, dy and y as tfjs-cpu', () => {
    for (const g of [{ ...conv1, x: [2, 28, 28, 1] }, odd]) {
      const [x, f, b, dy, y] = inputs(g) as [Input, Input, Input, Input, Input];
      const [, h, w, cin] = g.x as [number, number, number, number];
      const image = h * w * cin;
      const cases: Input[][] = [
        [withValues(x, [[image + 5, Number.NaN]]), f, b, dy, y],
        [withValues(x, [[(h - 1) * w * cin + 2, Number.NaN]]), f, b, dy, y], // the last row
        [withValues(x, [[image + 5 * w * cin + 7 * cin, Number.POSITIVE_INFINITY]]), f, b, dy, y],
        [withValues(x, [[(w - 1) * cin, Number.NEGATIVE_INFINITY]]), f, b, dy, y], // the last column
        [x, withValues(f, [[1, Number.POSITIVE_INFINITY]]), b, dy, y],
        [x, f, withValues(b, [[3, Number.NaN]]), dy, y],
        [
          x,
          f,
          b,
          withValues(dy, [
            [0, Number.NaN],
            [3, Number.POSITIVE_INFINITY],
            [40, Number.NEGATIVE_INFINITY],
            [4, -0],
          ]),
          withValues(y, [
            [7, Number.NaN],
            [8, Number.POSITIVE_INFINITY],
            [9, 0],
          ]),
        ],
      ];
      for (const values of cases) expectMatches(g, values);
    }
  });
});

rerunOnEveryIsa('src/conv-direct.test.ts', (isa) => `${title} (${isa} kernels)`);
