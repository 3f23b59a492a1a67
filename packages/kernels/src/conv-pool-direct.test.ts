// FnnConv2DMaxPool's direct path (native/conv_pool_direct.h: convolutions of at most 27 taps
// under a 2x2 pool, no im2col) and its backward pass's direct filter and bias gradients: within
// 1e-5 of tfjs-cpu's op chain and of the im2col path's kernels (FusedConv2D, MaxPool, MaxPoolGrad,
// FnnConv2DBackward), on the MNIST convnet's first layer and awkward shapes (odd sizes leaving
// rows and columns no window covers, cin 1 and 3, cout 16/32/48, 3x3 and 5x5, stride 2, batch 0
// and 1), with NaN and infinities; shapes outside it keep the im2col path's bits. On every
// instruction-set build: this file runs again in child processes with FNN_NATIVE_ISA forced.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, type Input, withValues } from '../test-support/compare-with-cpu.js';
import * as pair from '../test-support/conv-pool-ops.js';
import type { Case, Tensors } from '../test-support/conv-pool-ops.js';
import { itRunsTheForcedIsa, rerunOnEveryIsa } from '../test-support/isa-children.js';
import { nativeIsa, registerNativeBackend } from './index.js';

beforeAll(async () => {
  registerNativeBackend();
  await tf.setBackend('native');
});

const valid = { strides: 1, pad: 'valid', pool: 2 } as const;
const conv1: Case = { x: [16, 28, 28, 1], f: [3, 3, 1, 32], ...valid };
const odd: Case = { x: [1, 9, 11, 3], f: [3, 3, 3, 16], ...valid }; // 7x9: last row and column uncovered
const direct: Case[] = [
  conv1,
  odd,
  { x: [2, 12, 13, 1], f: [5, 5, 1, 48], ...valid }, // 25 taps, 8x9
  { x: [3, 10, 9, 3], f: [3, 3, 3, 48], ...valid }, // 27 taps, 8x7
  { x: [1, 7, 6, 1], f: [3, 3, 1, 32], ...valid }, // batch 1, 5x4
  { x: [2, 11, 12, 1], f: [3, 3, 1, 32], ...valid, strides: 2 }, // 5x5
  { x: [0, 8, 8, 1], f: [3, 3, 1, 32], ...valid }, // batch 0
];
// 75 taps; 6 output channels (not whole vectors): the im2col path, bit for bit.
const im2col: Case[] = [
  { x: [2, 9, 9, 3], f: [5, 5, 3, 32], ...valid },
  { x: [2, 8, 8, 1], f: [3, 3, 1, 6], ...valid },
];

const name = (c: Case) => `x ${c.x.join('x')}, filter ${c.f.join('x')}, stride ${c.strides}`;
const withoutDx = { extra: { needsDx: false } };

/** The forward pass and the filter and bias gradients (no dx): [pooled, dFilter, dBias] as ops. */
function ops(c: Case) {
  const forward = (x: tf.Tensor, f: tf.Tensor, b: tf.Tensor) => pair.fusedForward(c, x, f, b);
  const gradient =
    (k: number) =>
    (...xs: tf.Tensor[]) =>
      pair.fusedBackward(c, xs as Tensors, withoutDx)[k]!;
  const chainGradient =
    (k: number) =>
    (...xs: tf.Tensor[]) =>
      pair.chainBackward(c, xs as Tensors)[k]!;
  return {
    fused: [(...xs: tf.Tensor[]) => forward(xs[0]!, xs[1]!, xs[2]!), gradient(0), gradient(1)],
    chain: [
      (...xs: tf.Tensor[]) => pair.chainForward(c, xs[0]!, xs[1]!, xs[2]!)[0],
      chainGradient(0),
      chainGradient(1),
    ],
  };
}

/**
 * Pooled output, filter and bias gradients within 1e-5 of tfjs-cpu and of the im2col path's
 * kernels (bit for bit where `exact`); returns whether any output's bits differ from the latter's.
 */
function expectMatches(c: Case, values: Input[], exact: boolean): boolean {
  const { fused, chain } = ops(c);
  let differs = false;
  for (let k = 0; k < 3; k++) {
    const onNative = (...xs: tf.Tensor[]) => (tf.getBackend() === 'native' ? fused[k]! : chain[k]!)(...xs);
    expectClose(onNative, k === 0 ? values.slice(0, 3) : values);
    const got = pair.bits(fused[k]!, values);
    const want = pair.bits(chain[k]!, values);
    if (exact) expect(got).toEqual(want);
    else pair.expectNear(got, want);
    differs = differs || got.some((v, i) => v !== want[i]);
  }
  return differs;
}

const title = 'direct Conv2D(relu) + 2x2 MaxPool on native';

describe(`${title} (${process.env.FNN_NATIVE_ISA ?? 'widest'} kernels)`, () => {
  itRunsTheForcedIsa(nativeIsa);

  for (const c of direct) {
    it(`takes the direct path within 1e-5 of tfjs-cpu and the im2col path, ${name(c)}`, () => {
      expect(pair.takesDirectPath(c, nativeIsa())).toBe(true);
      const differs = expectMatches(c, pair.inputs(c), false);
      // The direct path sums in another order: with thousands of windows, some bits differ.
      if (c.x[0]! * c.x[1]! >= 20) expect(differs).toBe(true);
    });
  }

  for (const c of im2col) {
    it(`keeps the im2col path's bits, ${name(c)}`, () => {
      expect(pair.takesDirectPath(c, nativeIsa())).toBe(false);
      expectMatches(c, pair.inputs(c), true);
    });
  }

  it('propagates NaN (also in rows no window covers) and infinities in x, the filter and dy as tfjs-cpu', () => {
    for (const c of [{ ...conv1, x: [2, 28, 28, 1] }, odd]) {
      const [x, f, b, dp] = pair.inputs(c) as [Input, Input, Input, Input];
      const [, h, w, cin] = c.x as [number, number, number, number];
      const image = h * w * cin;
      const lastRow = (h - 1) * w * cin; // feeds only the convolution's last row, which odd's pool leaves out
      const lastColumn = (w - 1) * cin; // the same for its last column
      const cases: Input[][] = [
        [withValues(x, [[image + 5, Number.NaN]]), f, b, dp],
        [withValues(x, [[lastRow + 2, Number.NaN]]), f, b, dp],
        [withValues(x, [[lastColumn, Number.NaN]]), f, b, dp],
        [withValues(x, [[image + 5 * w * cin + 7 * cin, Number.POSITIVE_INFINITY]]), f, b, dp],
        [withValues(x, [[lastColumn, Number.NEGATIVE_INFINITY]]), f, b, dp],
        [x, withValues(f, [[1, Number.POSITIVE_INFINITY]]), b, dp],
        [x, f, withValues(b, [[3, Number.NaN]]), dp],
        [
          x,
          f,
          b,
          withValues(dp, [
            [0, Number.NaN],
            [3, Number.POSITIVE_INFINITY],
            [4, -0],
          ]),
        ],
      ];
      for (const values of cases) expectMatches(c, values, false);
    }
  });
});

rerunOnEveryIsa('src/conv-pool-direct.test.ts', (isa) => `${title} (${isa} kernels)`);
