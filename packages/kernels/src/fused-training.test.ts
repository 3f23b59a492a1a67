// The fused training kernels (Dense forward/backward, dropout, cross-entropy, accuracy) give
// @fnn/core's results bit for bit: the same step with them unregistered runs core's op chains
// on the same backend, and every loss, metric and gradient must have the same bits.
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { computeGradients } from '../../core/src/training/index.js';
import {
  initializers,
  layers,
  losses,
  metrics,
  resetNames,
  sequential,
  setBackend,
  SeededRandom,
  tf,
} from '../../core/src/index.js';
import { DENSE, DENSE_BACKWARD } from './kernels/dense.js';
import { DROPOUT } from './kernels/fnn-dropout.js';
import { CATEGORICAL_ACCURACY, CATEGORICAL_CROSSENTROPY } from './kernels/crossentropy.js';

const FUSED = [DENSE, DENSE_BACKWARD, DROPOUT, CATEGORICAL_CROSSENTROPY, CATEGORICAL_ACCURACY];
let configs: KernelConfig[] = [];

/** Runs `f` with the fused kernels unregistered (core then takes its op chains). */
function unfused<T>(f: () => T): T {
  for (const name of FUSED) tf.unregisterKernel(name, 'native');
  try {
    return f();
  } finally {
    for (const config of configs) tf.registerKernel(config);
  }
}

function bits(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));
}

function gradientStep(loss: string, targets: tf.Tensor) {
  resetNames();
  const model = sequential([
    // 40 units over 18 rows: the next layer's dx takes denseBackward's dxᵀ = w·dzᵀ route.
    layers.dense({
      units: 40,
      activation: 'relu',
      inputShape: [3, 8],
      kernelInitializer: initializers.glorotUniform({ seed: 1 }),
    }),
    layers.dropout({ rate: 0.3 }),
    layers.dense({ units: 9, activation: 'tanh', kernelInitializer: initializers.glorotUniform({ seed: 2 }) }),
    layers.flatten({}),
    layers.dense({ units: 16, useBias: false, kernelInitializer: initializers.glorotUniform({ seed: 3 }) }),
    layers.dense({ units: 5, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: 4 }) }),
  ]);
  model.compile({ optimizer: 'adam', loss, metrics: ['accuracy'] });
  const x = tf.tensor3d(
    Float32Array.from({ length: 6 * 24 }, (_, i) => Math.sin(i * 0.61)),
    [6, 3, 8],
  );
  return tf.tidy(() => {
    const r = computeGradients(
      model,
      { inputs: [x], targets: [targets] },
      { training: true, random: new SeededRandom(7) },
    );
    return [r.loss, ...Object.values(r.metrics), ...r.gradients].map(bits);
  });
}

describe('fused training kernels on native', () => {
  beforeAll(async () => {
    await setBackend('native', { quiet: true });
    configs = FUSED.map((name) => tf.getKernel(name, 'native')!);
    expect(configs.every(Boolean)).toBe(true);
  });

  it("a step (Dense relu/tanh/linear/softmax on 3-D input, dropout, categorical cross-entropy, accuracy) has the op chains' bits", async () => {
    const labels = [0, 3, 1, 4, 4, 2];
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 5), 'float32'));
    let fused: number[][] = [];
    const profile = await tf.profile(() => {
      fused = gradientStep('categoricalCrossentropy', y);
    });
    expect(new Set(profile.kernels.map((k) => k.name))).toEqual(
      new Set([...FUSED, 'Reshape', 'Tanh', 'Multiply', 'Sub', 'Square']),
    );
    expect(fused.length).toBe(2 + 7); // loss, accuracy, 7 weights
    expect(fused).toEqual(unfused(() => gradientStep('categoricalCrossentropy', y)));
    const sparse = tf.tensor1d(labels, 'float32');
    expect(gradientStep('sparseCategoricalCrossentropy', sparse)).toEqual(
      unfused(() => gradientStep('sparseCategoricalCrossentropy', sparse)),
    );
  });

  it('cross-entropy keeps the clipping, unnormalised rows, soft targets and NaN of the op chain', () => {
    const yPred = tf.tensor2d([0, 1, 0, 0.2, 0.3, 0.9, 1e-9, 0.5, 0.5, Number.NaN, 0.5, 0.5, 2, 6, 2], [5, 3]);
    const yTrue = tf.tensor2d([0, 1, 0, 0.25, 0.25, 0.5, 1, 0, 0, 0, 1, 0, 0, 0, 1], [5, 3]);
    const run = () =>
      tf.tidy(() => {
        const { value, gradient } = losses.categoricalCrossentropy.valueAndGradient(yTrue, yPred);
        const rowsOk = tf.slice(yPred, [0, 0], [3, 3]);
        return [
          value,
          gradient,
          losses.categoricalCrossentropy.value(tf.slice(yTrue, [0, 0], [3, 3]), rowsOk),
          metrics.categoricalAccuracy.compute(yTrue, yPred),
        ].map(bits);
      });
    const fused = run();
    expect(Number.isNaN(new Float32Array(new Uint32Array(fused[0]!).buffer)[0])).toBe(true);
    expect(fused).toEqual(unfused(run));
  });
});
