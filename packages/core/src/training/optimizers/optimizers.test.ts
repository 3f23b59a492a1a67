import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { tf, type Tensor } from '../../tf.js';
import { setBackend } from '../../backend.js';
import { resetNames } from '../../naming.js';
import { LayerWeight } from '../../layers/layer-weight.js';
import { dense } from '../../layers/dense.js';
import { sequential } from '../../models/sequential.js';
import { initializers } from '../../initializers/index.js';
import { maxAbsDifference, randomNormalTensor } from '../../testing/compare.js';
import { getOptimizer, optimizers, serializeOptimizer, Adam, SGD, RMSprop, Adagrad } from './index.js';

beforeAll(async () => {
  await setBackend('wasm');
});
afterAll(async () => {
  await setBackend('wasm');
});

/** A weight holding `values` and a gradient tensor per step. */
function weightOf(values: number[]): LayerWeight {
  return new LayerWeight('w', tf.tensor1d(values), true);
}
function valuesOf(weight: LayerWeight): number[] {
  return Array.from(weight.read().dataSync());
}

describe('Adam', () => {
  it('has Keras defaults (lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7)', () => {
    expect(new Adam().getConfig()).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(getOptimizer('adam')).toBeInstanceOf(Adam);
    expect(getOptimizer('Adam').getConfig()).toEqual(new Adam().getConfig());
  });

  it('follows Keras/TensorFlow ApplyAdam, computed by hand in float64 (1e-7 over 3 steps)', () => {
    const w = weightOf([0.5, -1, 2, 0.25, 3]);
    const grads = [
      [0.1, -0.2, 0.3, 1e-4, -5],
      [0.05, 0.1, -0.3, 2e-4, 4],
      [-0.2, 0.3, 0.1, -1e-4, 1],
    ];
    const opt = optimizers.adam({ learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-3 });
    const p = valuesOf(w);
    const m = p.map(() => 0);
    const v = p.map(() => 0);
    grads.forEach((g, step) => {
      const t = step + 1;
      const alpha = (0.01 * Math.sqrt(1 - 0.99 ** t)) / (1 - 0.8 ** t);
      g.forEach((gi, i) => {
        m[i] = 0.8 * m[i]! + 0.2 * gi;
        v[i] = 0.99 * v[i]! + 0.01 * gi * gi;
        p[i] = p[i]! - (alpha * m[i]!) / (Math.sqrt(v[i]!) + 1e-3);
      });
      const gradient = tf.tensor1d(g);
      opt.applyGradients([w], [gradient]);
      gradient.dispose();
    });
    expect(maxAbsDifference(valuesOf(w), p)).toBeLessThan(1e-6);
    expect(opt.iterations).toBe(3);
    w.dispose();
  });

  it('matches tfjs-layers model.trainOnBatch after 1 and 3 steps within 1e-6', async () => {
    // tfjs's Adam adds epsilon to sqrt(v / (1 - beta2^t)), Keras (and we) to sqrt(v): the same
    // update when tfjs's epsilon is Keras's 1e-7 / sqrt(1 - beta2^t), set before each step.
    resetNames();
    const ours = sequential([
      dense({
        units: 5,
        activation: 'relu',
        inputShape: [4],
        kernelInitializer: initializers.glorotUniform({ seed: 1 }),
        biasInitializer: 'randomNormal',
      }),
      dense({ units: 3, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: 2 }) }),
    ]);
    ours.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const theirs = tfjs.sequential({
      layers: [
        tfjs.layers.dense({ units: 5, activation: 'relu', inputShape: [4] }),
        tfjs.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const tfjsAdam = tfjs.train.adam(0.001, 0.9, 0.999, 1e-7);
    theirs.compile({ optimizer: tfjsAdam, loss: 'categoricalCrossentropy' });
    const initial = ours.getWeights();
    theirs.setWeights(initial);
    const x = randomNormalTensor([16, 4], 3);
    const y = tf.tidy(() =>
      tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 1], 'int32'), 3), 'float32'),
    );
    for (let step = 1; step <= 3; step++) {
      (tfjsAdam as unknown as { epsilon: number }).epsilon = 1e-7 / Math.sqrt(1 - 0.999 ** step);
      await theirs.trainOnBatch(x, y);
      await ours.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
      if (step === 1 || step === 3) {
        const a = ours.getWeights();
        const b = theirs.getWeights();
        a.forEach((w, i) => {
          expect(maxAbsDifference(w, b[i]!), `weight ${i} after step ${step}`).toBeLessThan(1e-6);
        });
        // The weights moved: the comparison is not between two untouched models.
        expect(maxAbsDifference(a[0]!, initial[0]!)).toBeGreaterThan(1e-4 * step);
        tf.dispose(a); // tfjs-layers getWeights returns its variables themselves: not disposed here.
      }
    }
    tf.dispose([x, y, ...initial]);
    ours.dispose();
    theirs.dispose();
  });

  it('gives the same bits on the wasm SIMD path and the JavaScript path (cpu), including lengths not divisible by 4', async () => {
    const run = async (backend: 'wasm' | 'cpu') => {
      await setBackend(backend);
      const weights = [11, 8, 3].map((n, k) => new LayerWeight(`w${k}`, randomNormalTensor([n], 10 + k), true));
      const opt = new Adam({ learningRate: 0.01 });
      for (let step = 0; step < 4; step++) {
        const grads = weights.map((w, k) => randomNormalTensor([w.size], 100 * step + k, 0.1));
        opt.applyGradients(weights, grads);
        tf.dispose(grads);
      }
      const values = weights.map(valuesOf);
      weights.forEach((w) => {
        w.dispose();
      });
      return values;
    };
    const simd = await run('wasm');
    const js = await run('cpu');
    await setBackend('wasm');
    expect(simd).toEqual(js);
  });

  it('applyGradientArrays equals applyGradients, and getState/setState resume bit-identically', () => {
    const a = weightOf([1, 2, 3, 4, 5]);
    const b = weightOf([1, 2, 3, 4, 5]);
    const optA = new Adam();
    const optB = new Adam();
    const grads = [
      [0.1, 0.2, -0.3, 0.4, -0.5],
      [0.3, -0.1, 0.2, 0.1, 0.05],
    ];
    const gradient = tf.tensor1d(grads[0]!);
    optA.applyGradients([a], [gradient]);
    optB.applyGradientArrays([b], [Float32Array.from(grads[0]!)]);
    expect(valuesOf(a)).toEqual(valuesOf(b));
    const state = optA.getState();
    expect(state.iterations).toBe(1);
    expect(Object.keys(state.slots.w!)).toEqual(['m', 'v']);
    const resumed = new Adam();
    resumed.setState(state);
    const c = weightOf(valuesOf(a));
    optA.applyGradientArrays([a], [Float32Array.from(grads[1]!)]);
    resumed.applyGradientArrays([c], [Float32Array.from(grads[1]!)]);
    expect(valuesOf(c)).toEqual(valuesOf(a));
    expect(() => new SGD().setState(state)).toThrow('SGD.setState: expected a state of SGD, but got one of "Adam".');
    tf.dispose([gradient]);
    [a, b, c].forEach((w) => {
      w.dispose();
    });
  });
});

describe('SGD', () => {
  const g1 = [0.5, -1, 2];
  const g2 = [-0.25, 0.5, 1];

  function run(opt: SGD): number[] {
    const w = weightOf([1, 1, 1]);
    for (const g of [g1, g2]) {
      const gradient = tf.tensor1d(g);
      opt.applyGradients([w], [gradient]);
      gradient.dispose();
    }
    const values = valuesOf(w);
    w.dispose();
    return values;
  }

  it('has Keras defaults (lr 0.01, no momentum)', () => {
    expect(getOptimizer('sgd').getConfig()).toEqual({ learningRate: 0.01, momentum: 0, nesterov: false });
    // w -= lr * g, twice.
    expect(
      maxAbsDifference(run(new SGD()), [1 - 0.01 * (0.5 - 0.25), 1 - 0.01 * (-1 + 0.5), 1 - 0.01 * 3]),
    ).toBeLessThan(1e-7);
  });

  it('with momentum: v = m v - lr g; w += v (hand-computed)', () => {
    const lr = 0.1;
    const mu = 0.9;
    const expected = [0, 1, 2].map((i) => {
      const v1 = -lr * g1[i]!;
      const v2 = mu * v1 - lr * g2[i]!;
      return 1 + v1 + v2;
    });
    expect(maxAbsDifference(run(new SGD({ learningRate: lr, momentum: mu })), expected)).toBeLessThan(1e-6);
  });

  it('with nesterov: w += m v - lr g (hand-computed)', () => {
    const lr = 0.1;
    const mu = 0.9;
    const expected = [0, 1, 2].map((i) => {
      const v1 = -lr * g1[i]!;
      const w1 = 1 + mu * v1 - lr * g1[i]!;
      const v2 = mu * v1 - lr * g2[i]!;
      return w1 + mu * v2 - lr * g2[i]!;
    });
    expect(maxAbsDifference(run(new SGD({ learningRate: lr, momentum: mu, nesterov: true })), expected)).toBeLessThan(
      1e-6,
    );
  });
});

describe('RMSprop and Adagrad', () => {
  it('RMSprop: ms = rho ms + (1 - rho) g²; w -= lr g / (sqrt(ms) + eps) (hand-computed, 2 steps)', () => {
    expect(getOptimizer('rmsprop').getConfig()).toEqual({
      learningRate: 0.001,
      rho: 0.9,
      momentum: 0,
      epsilon: 1e-7,
      centered: false,
    });
    const w = weightOf([1, -1]);
    const opt = new RMSprop({ learningRate: 0.01 });
    const expected = [1, -1];
    const ms = [0, 0];
    for (const g of [
      [0.5, -2],
      [1, 0.25],
    ]) {
      g.forEach((gi, i) => {
        ms[i] = 0.9 * ms[i]! + 0.1 * gi * gi;
        expected[i] = expected[i]! - (0.01 * gi) / (Math.sqrt(ms[i]!) + 1e-7);
      });
      const gradient = tf.tensor1d(g);
      opt.applyGradients([w], [gradient]);
      gradient.dispose();
    }
    expect(maxAbsDifference(valuesOf(w), expected)).toBeLessThan(1e-6);
    w.dispose();
  });

  it('Adagrad: acc starts at 0.1, acc += g²; w -= lr g / (sqrt(acc) + eps) (hand-computed, 2 steps)', () => {
    expect(getOptimizer('adagrad').getConfig()).toEqual({
      learningRate: 0.001,
      initialAccumulatorValue: 0.1,
      epsilon: 1e-7,
    });
    const w = weightOf([1, -1]);
    const opt = new Adagrad({ learningRate: 0.1 });
    const expected = [1, -1];
    const acc = [0.1, 0.1];
    for (const g of [
      [0.5, -2],
      [1, 0.25],
    ]) {
      g.forEach((gi, i) => {
        acc[i] = acc[i]! + gi * gi;
        expected[i] = expected[i]! - (0.1 * gi) / (Math.sqrt(acc[i]!) + 1e-7);
      });
      const gradient = tf.tensor1d(g);
      opt.applyGradients([w], [gradient]);
      gradient.dispose();
    }
    expect(maxAbsDifference(valuesOf(w), expected)).toBeLessThan(1e-6);
    w.dispose();
  });
});

describe('getOptimizer and serialization', () => {
  it('round-trips {className, config} and rejects unknown names with the valid ones', () => {
    for (const opt of [
      new Adam({ learningRate: 0.01 }),
      new SGD({ momentum: 0.9, nesterov: true }),
      new RMSprop({ centered: true }),
      new Adagrad(),
    ]) {
      const json = JSON.parse(JSON.stringify(serializeOptimizer(opt))) as ReturnType<typeof serializeOptimizer>;
      const back = getOptimizer(json);
      expect(back.className).toBe(opt.className);
      expect(back.getConfig()).toEqual(opt.getConfig());
    }
    expect(() => getOptimizer('adamw')).toThrow(
      'compile: unknown optimizer "adamw"; expected one of adam, sgd, rmsprop, adagrad or an optimizer instance.',
    );
    expect(() => optimizers.adam({ learningRate: -1 })).toThrow(
      'Adam: expected learningRate to be a number in (0, inf), but got -1.',
    );
    expect(() => optimizers.sgd({ momentum: 2 })).toThrow(
      'SGD: expected momentum to be a number in [0, 1], but got 2.',
    );
  });

  it('rejects gradients that do not match the weights', () => {
    const w = weightOf([1, 2]);
    const g: Tensor = tf.tensor1d([1, 2, 3]);
    expect(() => new Adam().applyGradients([w], [g])).toThrow(
      'Adam.applyGradients: the gradient of w has 3 values, but the weight has 2 (shape [2]).',
    );
    expect(() => new Adam().applyGradients([w], [])).toThrow(
      'Adam.applyGradients: expected one gradient per weight (1), but got 0.',
    );
    tf.dispose(g);
    w.dispose();
  });
});

describe('updateArrays (the update of a flat slice, with the state kept by the caller)', () => {
  const size = 11;
  const initial = Array.from({ length: size }, (_, i) => Math.sin(i + 1));
  const steps = [0, 1, 2].map((s) => Array.from({ length: size }, (_, i) => Math.cos(3 * i + s) / (s + 1)));
  const cases = [
    () => new Adam({ learningRate: 0.01 }),
    () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
    () => new RMSprop({ learningRate: 0.01, momentum: 0.5 }),
    () => new Adagrad({ learningRate: 0.1 }),
  ];

  for (const backend of ['cpu', 'wasm']) {
    it.each(cases.map((make) => [make().className, make] as const))(
      `%s: two halves updated apart equal applyGradients on the whole weight (${backend}, bit for bit)`,
      async (_name, make) => {
        await setBackend(backend as 'cpu' | 'wasm');
        const whole = weightOf(initial);
        const reference = make();
        const split = make();
        const params = Float32Array.from(initial);
        const slots = split.slotNames.map((name) => new Float32Array(size).fill(split.initialSlotValue(name)));
        const cut = 4;
        steps.forEach((g, s) => {
          const gradient = tf.tensor1d(g);
          reference.applyGradients([whole], [gradient]);
          gradient.dispose();
          const grads = Float32Array.from(g);
          split.updateArrays(
            params.subarray(0, cut),
            grads.subarray(0, cut),
            slots.map((x) => x.subarray(0, cut)),
            s + 1,
          );
          split.updateArrays(
            params.subarray(cut),
            grads.subarray(cut),
            slots.map((x) => x.subarray(cut)),
            s + 1,
          );
        });
        expect(Array.from(params)).toEqual(valuesOf(whole));
        const state = reference.getState();
        split.slotNames.forEach((name, k) => {
          expect(Array.from(slots[k]!)).toEqual(Array.from(state.slots.w![name]!));
        });
        expect(split.iterations).toBe(0);
        whole.dispose();
        await setBackend('wasm');
      },
    );
  }

  it('names the argument that does not fit', () => {
    const opt = new Adam();
    const p = new Float32Array(3);
    expect(() => opt.updateArrays(p, new Float32Array(2), [new Float32Array(3), new Float32Array(3)], 1)).toThrow(
      'Adam.updateArrays: expected grads to have 3 values (as params), but got 2.',
    );
    expect(() => opt.updateArrays(p, p, [p], 1)).toThrow(
      'Adam.updateArrays: expected 2 slot arrays (m, v), but got 1.',
    );
    expect(() => opt.updateArrays(p, p, [p, p], 0)).toThrow(
      'Adam.updateArrays: expected iteration to be an integer >= 1, but got 0.',
    );
  });
});

describe('setState, repeated', () => {
  it('holds the latest state, and what getState handed out earlier does not change', () => {
    const opt = new Adam();
    const state = (k: number) => ({
      className: 'Adam',
      iterations: k,
      slots: { w: { m: Float32Array.from([k, k]), v: Float32Array.from([k * 10, k * 10]) } },
    });
    opt.setState(state(1));
    const first = opt.getState();
    opt.setState(state(2));
    expect(opt.getState()).toEqual(state(2));
    expect(first).toEqual(state(1));
    // The restored state is used by the next step on that weight.
    const w = weightOf([1, 1]);
    const reference = new Adam();
    reference.setState(state(2));
    const v = weightOf([1, 1]);
    opt.applyGradientArrays([w], [Float32Array.from([0.5, -0.5])]);
    reference.applyGradientArrays([v], [Float32Array.from([0.5, -0.5])]);
    expect(valuesOf(w)).toEqual(valuesOf(v));
    [w, v].forEach((x) => {
      x.dispose();
    });
  });
});

describe('stateViews', () => {
  it("is getState without the copies: the same values, the optimizer's own arrays", () => {
    const opt = new Adam();
    const w = weightOf([1, 2, 3]);
    opt.applyGradientArrays([w], [Float32Array.from([0.1, -0.2, 0.3])]);
    const views = opt.stateViews();
    expect(views).toEqual(opt.getState());
    // The same memory (on wasm a fresh view of the heap each time), where getState copies.
    const memoryOf = (a: Float32Array) => [a.buffer, a.byteOffset];
    expect(memoryOf(opt.stateViews().slots.w!.m!)).toEqual(memoryOf(views.slots.w!.m!));
    expect(opt.getState().slots.w!.m!.buffer).not.toBe(views.slots.w!.m!.buffer);
    w.dispose();
  });
});
