// The registered kernels through which @fnn/core's BatchNormalization, Dropout (with a
// noiseShape), optimizers and gradient average reach the native code: each gives the bits of the
// direct native call it wraps, and core runs it (one launch) where the backend registers it.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  layers,
  optimizers,
  resetNames,
  SeededRandom,
  sequential,
  setBackend,
  tf,
  type Tensor,
} from '../../core/src/index.js';
import { weightedSum } from '../../core/src/training/index.js';
import { fillDropoutMask } from '../../core/src/layers/dropout.js';
import {
  nativeAdamUpdate,
  nativeBatchNormBackward,
  nativeBatchNormForward,
  nativeSgdUpdate,
  nativeWeightedSum,
} from './index.js';

const rng = new SeededRandom(3);
const randomArray = (n: number, low = -1, high = 1) => Float32Array.from({ length: n }, () => rng.uniform(low, high));
const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const run = (name: string, inputs: Record<string, Tensor>, attrs: Record<string, unknown> = {}) => {
  const out = tf.engine().runKernel(name, inputs, attrs as never) as Tensor | Tensor[];
  return Array.isArray(out) ? out : [out];
};

beforeAll(async () => {
  await setBackend('native', { quiet: true });
});

describe('registered kernels equal the direct native calls bit for bit', () => {
  it('FnnBatchNormTrain and FnnBatchNormTrainGrad (with and without gamma and beta, 3-D input)', () => {
    for (const [shape, affine] of [
      [[37, 9], true],
      [[4, 5, 6], false],
    ] as const) {
      const channels = shape[shape.length - 1]!;
      const x = randomArray(
        shape.reduce((a, b) => a * b, 1),
        -2,
        3,
      );
      const dy = randomArray(x.length);
      const gamma = affine ? randomArray(channels, 0.5, 1.5) : null;
      const beta = affine ? randomArray(channels) : null;
      const want = nativeBatchNormForward(x, { gamma, beta, epsilon: 1e-3, channels });
      const wantGrad = nativeBatchNormBackward(dy, x, { mean: want.mean, invStd: want.invStd, gamma });
      tf.tidy(() => {
        const params = {
          ...(gamma ? { gamma: tf.tensor1d(gamma) } : {}),
          ...(beta ? { beta: tf.tensor1d(beta) } : {}),
        };
        const xt = tf.tensor(x, [...shape]);
        const [y, mean, variance, invStd] = run('FnnBatchNormTrain', { x: xt, ...params }, { epsilon: 1e-3 });
        expect(y!.shape).toEqual([...shape]);
        expect([y, mean, variance, invStd].map((t) => bits(t!.dataSync()))).toEqual(
          [want.y, want.mean, want.variance, want.invStd].map(bits),
        );
        const gammaInput = gamma ? { gamma: tf.tensor1d(gamma) } : {};
        const [dx, dgamma, dbeta] = run('FnnBatchNormTrainGrad', {
          dy: tf.tensor(dy, [...shape]),
          x: xt,
          mean: mean!,
          invStd: invStd!,
          ...gammaInput,
        });
        expect([dx, dgamma, dbeta].map((t) => bits(t!.dataSync()))).toEqual(
          [wantGrad.dx!, wantGrad.dgamma, wantGrad.dbeta].map(bits),
        );
      });
    }
  });

  it('FnnDropoutMask is fillDropoutMask as a tensor of the given shape', () => {
    const [mask] = run('FnnDropoutMask', {}, { shape: [3, 1, 17], rate: 0.4, seed: 77 });
    const want = new Float32Array(51);
    fillDropoutMask(want, 0.4, 77);
    expect(mask!.shape).toEqual([3, 1, 17]);
    expect(bits(mask!.dataSync())).toEqual(bits(want));
    mask!.dispose();
    expect(() => run('FnnDropoutMask', {}, { shape: [2], rate: 1, seed: 1 })).toThrow(
      'FnnDropoutMask: expected 0 <= rate < 1, but got 1.',
    );
  });

  it('FnnAdamUpdate and FnnSgdUpdate update arrays, variables and tensors as the direct calls do', () => {
    const sizes = [5, 130];
    const params = sizes.map((n) => randomArray(n));
    const grads = sizes.map((n) => randomArray(n));
    const adam = { lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 2 };
    // The direct call on copies, then the kernel on variables and gradient tensors.
    const want = params.map((p) => p.slice());
    const [wantM, wantV] = [
      sizes.map((n) => new Float32Array(n).fill(0.1)),
      sizes.map((n) => new Float32Array(n).fill(0.2)),
    ];
    nativeAdamUpdate(want, grads, { m: wantM, v: wantV }, adam);
    const variables = params.map((p) => tf.variable(tf.tensor1d(p)));
    const gradTensors = grads.map((g) => tf.tensor1d(g));
    const [m, v] = [sizes.map((n) => new Float32Array(n).fill(0.1)), sizes.map((n) => new Float32Array(n).fill(0.2))];
    expect(run('FnnAdamUpdate', {}, { params: variables, grads: gradTensors, m, v, ...adam })).toEqual([]);
    expect(variables.map((x) => bits(x.dataSync()))).toEqual(want.map(bits));
    expect([...m, ...v].map(bits)).toEqual([...wantM, ...wantV].map(bits));

    const sgd = { lr: 0.1, momentum: 0.9, nesterov: true };
    const [arrays, wantArrays] = [params.map((p) => p.slice()), params.map((p) => p.slice())];
    const [velocities, wantVelocities] = [0, 1].map(() => sizes.map((n) => new Float32Array(n).fill(0.05)));
    for (let step = 0; step < 2; step++) {
      nativeSgdUpdate(wantArrays, grads, wantVelocities!, sgd);
      run('FnnSgdUpdate', {}, { params: arrays, grads, velocities, ...sgd });
    }
    expect([...arrays, ...velocities!].map(bits)).toEqual([...wantArrays, ...wantVelocities!].map(bits));
    expect(() =>
      run('FnnSgdUpdate', {}, { params: [tf.tensor1d([1], 'int32')], grads, velocities: null, lr: 1 }),
    ).toThrow('FnnSgdUpdate: expected params[0] to be a float32 array, tensor or variable.');
    tf.dispose([...variables, ...gradTensors]);
  });

  it('FnnWeightedSum is nativeWeightedSum', () => {
    const parts = [randomArray(67), randomArray(67), randomArray(67)];
    const [got, want] = [new Float32Array(67), new Float32Array(67)];
    nativeWeightedSum(want, parts, [0.25, 0.5, 0.25]);
    run('FnnWeightedSum', {}, { out: got, parts, weights: [0.25, 0.5, 0.25] });
    expect(bits(got)).toEqual(bits(want));
  });
});

describe("@fnn/core runs them on 'native'", () => {
  it('a training step with batch normalization, dropout with a noiseShape, Adam and the gradient average', async () => {
    resetNames();
    const model = sequential([
      layers.dense({ units: 12, inputShape: [5] }),
      layers.batchNormalization({}),
      layers.dropout({ rate: 0.3, noiseShape: [null, 12] as (number | null)[], seed: 4 }),
      layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
    const x = tf.tensor2d(randomArray(40), [8, 5]);
    const y = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3), 'float32');
    const profile = await tf.profile(async () => {
      await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
      weightedSum(new Float32Array(4), [new Float32Array(4), new Float32Array(4)], [0.5, 0.5]);
    });
    const names = new Set(profile.kernels.map((k) => k.name));
    for (const name of [
      'FnnBatchNormTrain',
      'FnnBatchNormTrainGrad',
      'FnnDropoutMask',
      'FnnAdamUpdate',
      'FnnWeightedSum',
    ])
      expect(names).toContain(name);
    tf.dispose([x, y]);
    model.dispose();
  });
});
