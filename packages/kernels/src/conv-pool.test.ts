// FnnConv2DMaxPool and its backward pass, Conv2D(relu) + MaxPool in one kernel each way: against
// the kernels they replace (FusedConv2D, MaxPool, MaxPoolGrad, FnnConv2DBackward) bit for bit on
// native and against tfjs-cpu's op chain within 1e-5, on odd sizes, same/valid padding, strides 1-2,
// pools of 2 and 3, batch 0 and 1; with NaN (in x, in rows no window covers, in dy) and
// infinities; after the pooled output was read out; writing into dFilterOut / dBiasOut.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, type Input, rand, withValues } from '../test-support/compare-with-cpu.js';
import { CONV2D_MAX_POOL, CONV2D_MAX_POOL_BACKWARD } from './kernels/conv-pool.js';
import { CONV2D_BACKWARD } from './kernels/conv-backward.js';
import { type Geometry, geometries } from '../test-support/conv-geometries.js';
import { registerNativeBackend } from './index.js';

beforeAll(async () => {
  registerNativeBackend();
  await tf.setBackend('native');
});

interface Case extends Geometry {
  pool: number;
}

const conv = (c: Case, x: tf.Tensor, f: tf.Tensor, b: tf.Tensor) =>
  tf.fused.conv2d({
    x: x as tf.Tensor4D,
    filter: f as tf.Tensor4D,
    bias: b,
    strides: c.strides,
    pad: c.pad as 'same',
    activation: 'relu',
  });

/** The separate kernels' forward pass: [pooled, the convolution's output]. */
function chainForward(c: Case, x: tf.Tensor, f: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const y = conv(c, x, f, b);
  return [tf.maxPool(y, c.pool, c.pool, 'valid'), y];
}

const attrsOf = (c: Case) => ({ strides: [c.strides, c.strides], pad: c.pad, poolSize: [c.pool, c.pool] });

function fusedForward(c: Case, x: tf.Tensor, f: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(CONV2D_MAX_POOL, { x, filter: f, bias: b }, attrsOf(c) as never) as tf.Tensor;
}

/** x, filter, bias and the pooled output's gradient dp. */
type Tensors = [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];

/** The separate kernels' gradients [dFilter, dBias, dx] of Σ pooled·dp. */
function chainBackward(c: Case, [x, f, b, dp]: Tensors): tf.Tensor[] {
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
function fusedBackward(
  c: Case,
  [x, f, b, dp]: Tensors,
  { pooled = fusedForward(c, x, f, b), extra = {} }: { pooled?: tf.Tensor; extra?: Record<string, unknown> } = {},
): tf.Tensor[] {
  const attrs = { ...attrsOf(c), useBias: true, needsDx: true, ...extra };
  const inputs = { x, y: pooled, dy: dp, filter: f, bias: b };
  return tf.engine().runKernel(CONV2D_MAX_POOL_BACKWARD, inputs, attrs as never) as tf.Tensor[];
}

const pooledShape = (c: Case): number[] =>
  tf.tidy(() => {
    const zeros = [tf.zeros(c.x), tf.zeros(c.f), tf.zeros([c.f[3]!])] as const;
    return chainForward(c, ...zeros)[0].shape;
  });

/** x, filter, bias (a third negative, so relu zeroes some windows whole) and dp. */
function inputs(c: Case): Input[] {
  return [rand(c.x), rand(c.f), rand([c.f[3]!], -0.5, 0.25), rand(pooledShape(c))];
}

/** Each output bit for bit against the separate kernels on native, within 1e-5 of tfjs-cpu's chain. */
function expectSame(c: Case, values: Input[]): void {
  const forward = (x?: tf.Tensor, f?: tf.Tensor, b?: tf.Tensor) =>
    tf.getBackend() === 'native' ? fusedForward(c, x!, f!, b!) : chainForward(c, x!, f!, b!)[0];
  expectClose(forward, values.slice(0, 3));
  expect(bits((x, f, b) => fusedForward(c, x!, f!, b!), values)).toEqual(
    bits((x, f, b) => chainForward(c, x!, f!, b!)[0], values),
  );
  for (let k = 0; k < 3; k++) {
    const backward = (...xs: tf.Tensor[]) =>
      (tf.getBackend() === 'native' ? fusedBackward : chainBackward)(c, xs as Tensors)[k]!;
    expectClose(backward, values);
    expect(bits((...xs) => fusedBackward(c, xs as Tensors)[k]!, values)).toEqual(
      bits((...xs) => chainBackward(c, xs as Tensors)[k]!, values),
    );
  }
}

function bits(op: (...xs: tf.Tensor[]) => tf.Tensor, values: Input[]): number[] {
  tf.setBackend('native');
  return tf.tidy(() => {
    const xs = values.map((v) => tf.tensor(v.values.slice(), v.shape, 'float32'));
    return Array.from(new Uint32Array(Float32Array.from(op(...xs).dataSync()).buffer));
  });
}

// Pools of 2 and 3 over the geometries' outputs (where a window fits), odd sizes leaving rows and
// columns no window covers.
const cases: Case[] = geometries.flatMap((g) => [2, 3].map((pool) => ({ ...g, pool })));
const mnist = cases.find((c) => c.x[3] === 1 && c.f[3] === 32 && c.pool === 2)!;
const odd = cases.find((c) => c.x[1] === 11 && c.pad === 'valid' && c.pool === 3)!; // 4x5 output, one 3x3 window

describe(CONV2D_MAX_POOL, () => {
  for (const c of cases) {
    const name = `x ${c.x.join('x')}, filter ${c.f.join('x')}, stride ${c.strides}, pad ${c.pad}, pool ${c.pool}`;
    it(`equals the separate kernels (native bit for bit, tfjs-cpu within 1e-5), ${name}`, () => {
      const shape = pooledShape(c);
      if (shape[1] === 0 || shape[2] === 0) return; // no window fits this output
      expectSame(c, inputs(c));
    });
  }

  it('NaN in x (also where only rows no window covers see it), in dy, and infinities propagate as separately', () => {
    for (const c of [mnist, odd]) {
      const [x, f, b, dp] = inputs(c);
      const hw = c.x[1]! * c.x[2]! * c.x[3]!;
      // Odd case: its last input row feeds only the convolution's last output row, which no pool covers.
      const lastRow = (c.x[1]! - 1) * c.x[2]! * c.x[3]!;
      expectSame(c, [withValues(x!, [[hw + 5, Number.NaN]]), f!, b!, dp!]);
      expectSame(c, [withValues(x!, [[lastRow + 2, Number.NaN]]), f!, b!, dp!]);
      expectSame(c, [x!, withValues(f!, [[1, Number.POSITIVE_INFINITY]]), b!, dp!]);
      const dpBad = withValues(dp!, [
        [0, Number.NaN],
        [3, Number.POSITIVE_INFINITY],
        [4, -0],
      ]);
      expectSame(c, [x!, f!, b!, dpBad]);
    }
  });

  it('runs no separate kernel on valid windows without NaN', async () => {
    tf.setBackend('native');
    const values = inputs(mnist);
    const t = values.map((v) => tf.tensor(v.values, v.shape)) as Tensors;
    const profile = await tf.profile(() => {
      const pooled = fusedForward(mnist, t[0], t[1], t[2]);
      tf.dispose([pooled, ...fusedBackward(mnist, t, { pooled })]);
    });
    expect(profile.kernels.map((k) => k.name)).toEqual([CONV2D_MAX_POOL, CONV2D_MAX_POOL_BACKWARD]);
    tf.dispose(t);
  });

  it('gives the same gradients when the pooled output was read out (no record used)', () => {
    tf.setBackend('native');
    const values = inputs(mnist);
    tf.tidy(() => {
      const t = values.map((v) => tf.tensor(v.values, v.shape)) as Tensors;
      const pooled = fusedForward(mnist, t[0], t[1], t[2]);
      pooled.dataSync();
      const got = fusedBackward(mnist, t, { pooled });
      const want = chainBackward(mnist, t);
      for (let k = 0; k < 3; k++) expect(got[k]!.dataSync()).toEqual(want[k]!.dataSync());
    });
  });

  it('writes the gradients into dFilterOut and dBiasOut when given, without dx when not needed', () => {
    tf.setBackend('native');
    const values = inputs(mnist);
    const dFilterOut = new Float32Array(mnist.f.reduce((a, b) => a * b, 1));
    const dBiasOut = new Float32Array(mnist.f[3]!);
    tf.tidy(() => {
      const t = values.map((v) => tf.tensor(v.values, v.shape)) as Tensors;
      const outs = fusedBackward(mnist, t, { extra: { needsDx: false, dFilterOut, dBiasOut } });
      expect(outs).toHaveLength(2);
      const want = chainBackward(mnist, t);
      expect(dFilterOut).toEqual(want[0]!.dataSync());
      expect(dBiasOut).toEqual(want[1]!.dataSync());
      expect(outs[0]!.dataSync()).toEqual(dFilterOut);
    });
  });

  it('leaves no tensors and names a bad poolSize or dy shape', () => {
    tf.setBackend('native');
    const values = inputs(mnist);
    const t = values.map((v) => tf.tensor(v.values, v.shape)) as Tensors;
    const [x, f, b] = t;
    const before = tf.memory().numTensors;
    const pooled = fusedForward(mnist, x, f, b);
    tf.dispose([pooled, ...fusedBackward(mnist, t, { pooled })]);
    expect(tf.memory().numTensors).toBe(before);
    const run = (attrs: Record<string, unknown>) =>
      tf.engine().runKernel(CONV2D_MAX_POOL, { x, filter: f, bias: b }, { ...attrsOf(mnist), ...attrs } as never);
    expect(() => run({ poolSize: [2] })).toThrow(
      `${CONV2D_MAX_POOL}: expected poolSize [height, width] of positive integers, but got 2.`,
    );
    const badDy = tf.zeros([9, 13, 13, 3]);
    expect(() => fusedBackward(mnist, [x, f, b, badDy])).toThrow(
      `${CONV2D_MAX_POOL_BACKWARD}: expected dy of shape [9, 13, 13, 32], but got [9, 13, 13, 3].`,
    );
    tf.dispose([...t, badDy]);
  });
});
