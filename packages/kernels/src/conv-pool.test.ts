// FnnConv2DMaxPool and its backward pass, Conv2D(relu) + MaxPool in one kernel each way: against
// the kernels they replace (FusedConv2D, MaxPool, MaxPoolGrad, FnnConv2DBackward) bit for bit on
// native (within 1e-5 where the direct path runs: conv-pool-direct.test.ts) and against tfjs-cpu's
// op chain within 1e-5, on odd sizes, same/valid padding, strides 1-2,
// pools of 2 and 3, batch 0 and 1; with NaN (in x, in rows no window covers, in dy) and
// infinities; after the pooled output was read out; writing into dFilterOut / dBiasOut. And
// @fnn/core's graphs running Conv2D(relu) + MaxPooling2D pairs through them: the bits of the
// layers run one by one, in a step, predict and model.fit.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, type Input, withValues } from '../test-support/compare-with-cpu.js';
import { CONV2D_MAX_POOL, CONV2D_MAX_POOL_BACKWARD } from './kernels/conv-pool.js';
import { geometries } from '../test-support/conv-geometries.js';
import {
  bits,
  type Case,
  chainBackward,
  chainForward,
  expectNear,
  fusedBackward,
  fusedForward,
  inputs,
  pooledShape,
  takesDirectPath,
  type Tensors,
  attrsOf,
} from '../test-support/conv-pool-ops.js';
import { nativeIsa, registerNativeBackend } from './index.js';
import { loadAddon } from './addon.js';
import { computeGradients } from '../../core/src/training/index.js';
import * as core from '../../core/src/index.js';
import { initializers, resetNames, SeededRandom, setBackend } from '../../core/src/index.js';

beforeAll(async () => {
  registerNativeBackend();
  await tf.setBackend('native');
});

/**
 * What the addon's convolution and pooling functions return while `run` runs, per function
 * called: the fused ones alone when nothing falls back to the separate kernels.
 */
function addonCalls(run: () => void): Record<string, unknown[]> {
  const addon = loadAddon() as unknown as Record<string, (...args: unknown[]) => unknown>;
  const names = Object.keys(addon).filter((name) => /^(conv2d|maxPool)/.test(name));
  const originals = names.map((name) => addon[name]!);
  const calls: Record<string, unknown[]> = {};
  names.forEach((name, i) => {
    addon[name] = (...args) => {
      const result = originals[i]!(...args);
      calls[name] = [...(calls[name] ?? []), result];
      return result;
    };
  });
  try {
    run();
  } finally {
    names.forEach((name, i) => {
      addon[name] = originals[i]!;
    });
  }
  return calls;
}

/**
 * Each output bit for bit against the separate kernels on native (within 1e-5 where the forward
 * pass takes the direct path, which sums in another order), within 1e-5 of tfjs-cpu's chain.
 */
function expectSame(c: Case, values: Input[]): void {
  const same = takesDirectPath(c, nativeIsa())
    ? expectNear
    : (got: number[], want: number[]) => expect(got).toEqual(want);
  const forward = (x?: tf.Tensor, f?: tf.Tensor, b?: tf.Tensor) =>
    tf.getBackend() === 'native' ? fusedForward(c, x!, f!, b!) : chainForward(c, x!, f!, b!)[0];
  expectClose(forward, values.slice(0, 3));
  same(
    bits((x, f, b) => fusedForward(c, x!, f!, b!), values),
    bits((x, f, b) => chainForward(c, x!, f!, b!)[0], values),
  );
  for (let k = 0; k < 3; k++) {
    const backward = (...xs: tf.Tensor[]) =>
      (tf.getBackend() === 'native' ? fusedBackward : chainBackward)(c, xs as Tensors)[k]!;
    expectClose(backward, values);
    same(
      bits((...xs) => fusedBackward(c, xs as Tensors)[k]!, values),
      bits((...xs) => chainBackward(c, xs as Tensors)[k]!, values),
    );
  }
}

// Pools of 2 and 3 over the geometries' outputs (where a window fits), odd sizes leaving rows and
// columns no window covers.
const cases: Case[] = geometries.flatMap((g) => [2, 3].map((pool) => ({ ...g, pool })));
const mnist = cases.find((c) => c.x[3] === 1 && c.f[3] === 32 && c.pool === 2)!;
const odd = cases.find((c) => c.x[1] === 11 && c.pad === 'valid' && c.pool === 3)!; // 4x5 output, one 3x3 window

describe(CONV2D_MAX_POOL, () => {
  for (const c of cases) {
    const name = `x ${c.x.join('x')}, filter ${c.f.join('x')}, stride ${c.strides}, pad ${c.pad}, pool ${c.pool}`;
    it(`equals the separate kernels (native bit for bit or, direct, within 1e-5; tfjs-cpu within 1e-5), ${name}`, () => {
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

  it('runs no separate kernel on valid windows without NaN', () => {
    tf.setBackend('native');
    const t = inputs(mnist).map((v) => tf.tensor(v.values, v.shape)) as Tensors;
    const calls = addonCalls(() => {
      const pooled = fusedForward(mnist, t[0], t[1], t[2]);
      tf.dispose([pooled, ...fusedBackward(mnist, t, { pooled })]);
    });
    expect(calls).toEqual({ conv2dReluMaxPool: [0], conv2dReluMaxPoolBackward: [true] });
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
      // Without dx, the MNIST layer's gradients take the direct path (another summation order).
      const want = chainBackward(mnist, t);
      const asBits = (v: Float32Array | Uint8Array | Int32Array) =>
        Array.from(new Uint32Array(Float32Array.from(v).buffer));
      expectNear(asBits(dFilterOut), asBits(want[0]!.dataSync()));
      expectNear(asBits(dBiasOut), asBits(want[1]!.dataSync()));
      expect(outs[0]!.dataSync()).toEqual(dFilterOut);
      expect(outs[1]!.dataSync()).toEqual(dBiasOut);
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

describe("@fnn/core's Conv2D(relu) + MaxPooling2D pairs with FnnConv2DMaxPool", () => {
  let configs: KernelConfig[];
  beforeAll(async () => {
    await setBackend('native', { quiet: true });
    configs = [CONV2D_MAX_POOL, CONV2D_MAX_POOL_BACKWARD].map((name) => core.tf.getKernel(name, 'native')!);
    expect(configs.every((c) => c !== undefined)).toBe(true);
  });

  /** Runs `run` with the fused kernels unregistered (the layers then run one by one). */
  function unfused<T>(run: () => T): T {
    for (const c of configs) core.tf.unregisterKernel(c.kernelName, 'native');
    try {
      return run();
    } finally {
      for (const c of configs) core.tf.registerKernel(c);
    }
  }

  /**
   * Pairs on the model input (no dx), 'same' padding, odd sizes with 3x3 pools, a pair whose
   * convolution is also read elsewhere and one with tanh (neither fused), in a functional model.
   */
  function build() {
    resetNames();
    const seeded = (seed: number) => ({ kernelInitializer: initializers.glorotUniform({ seed }) });
    const { layers } = core;
    const x = core.input({ shape: [13, 11, 2] });
    const a = layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', ...seeded(1) }).apply(x);
    const pa = layers.maxPooling2d({ poolSize: 2 }).apply(a); // 11x9 -> 5x4
    const b = layers
      .conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', ...seeded(2) })
      .apply(pa);
    const pb = layers.maxPooling2d({ poolSize: 3 }).apply(b); // 5x4 -> 1x1
    const c = layers.conv2d({ filters: 4, kernelSize: 2, activation: 'relu', ...seeded(3) }).apply(pa);
    const pc = layers.maxPooling2d({ poolSize: 2 }).apply(c); // read twice: not fused
    const cFlat = layers.flatten().apply(c);
    const d = layers.conv2d({ filters: 3, kernelSize: 2, activation: 'tanh', ...seeded(4) }).apply(pa);
    const pd = layers.maxPooling2d({ poolSize: 2 }).apply(d);
    const merged = layers
      .concatenate()
      .apply([layers.flatten().apply(pb), layers.flatten().apply(pc), cFlat, layers.flatten().apply(pd)]);
    const out = layers.dense({ units: 3, activation: 'softmax', ...seeded(5) }).apply(merged);
    const model = core.model({ inputs: x, outputs: out });
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    return model;
  }

  const batch = () => {
    const x = core.tf.tensor4d(
      Float32Array.from({ length: 5 * 13 * 11 * 2 }, (_, i) => Math.sin(i * 0.37)),
      [5, 13, 11, 2],
    );
    const y = core.tf.cast(core.tf.oneHot(core.tf.tensor1d([0, 2, 1, 1, 0], 'int32'), 3), 'float32');
    return { x, y };
  };

  /** One step's loss and gradients, and the model's predictions, as bits. */
  function step(): number[][] {
    const model = build();
    return core.tf.tidy(() => {
      const { x, y } = batch();
      const r = computeGradients(model, { inputs: [x], targets: [y] }, { training: true, random: new SeededRandom(7) });
      const predicted = model.predict(x) as core.Tensor;
      return [r.loss, ...r.gradients, predicted].map((t) =>
        Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)),
      );
    });
  }

  it('gives the bits of the layers run one by one, fusing only the pairs that qualify', async () => {
    let fusedBits: number[][] = [];
    let calls: Record<string, unknown[]> = {};
    const profile = await core.tf.profile(() => {
      calls = addonCalls(() => {
        fusedBits = step();
      });
    });
    // Pair a's backward pass is the fused kernel's; pair b's windows reach into the padding.
    expect(calls.conv2dReluMaxPoolBackward).toEqual([false, true]);
    const count = (name: string) => profile.kernels.filter((k) => k.name === name).length;
    expect(count(CONV2D_MAX_POOL)).toBe(4); // pairs a and b, in the training step and in predict
    expect(count(CONV2D_MAX_POOL_BACKWARD)).toBe(2);
    expect(count('MaxPool')).toBe(4); // pc and pd, twice
    expect(fusedBits).toEqual(unfused(step));
  });

  it('trains with model.fit as the layers do, leaving no tensors across epochs', async () => {
    const fit = async () => {
      const model = build();
      const { x, y } = batch();
      const counts: number[] = [];
      const onEpochEnd = () => {
        counts.push(core.tf.memory().numTensors);
      };
      const history = await model.fit(x, y, {
        epochs: 3,
        batchSize: 2,
        verbose: 0,
        seed: 3,
        callbacks: [{ onEpochEnd }],
      });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      core.tf.dispose([x, y]);
      model.dispose();
      return { loss: history.history.loss, weights, counts };
    };
    const fused = await fit();
    expect(new Set(fused.counts).size).toBe(1);
    for (const c of configs) core.tf.unregisterKernel(c.kernelName, 'native');
    try {
      const separate = await fit();
      expect(fused.loss).toEqual(separate.loss);
      expect(fused.weights).toEqual(separate.weights);
    } finally {
      for (const c of configs) core.tf.registerKernel(c);
    }
  });
});
