import { afterAll, describe, expect, it } from 'vitest';
import { initializers, layers, resetNames, setBackend, tf, type LayersModel } from '@fnn/core';
import { classificationData, compiledModel, relativeDifference } from '../test-support/fixtures.js';
import { DataParallelTrainer } from './index.js';
import { replicaWeightsOf, withTestHooks } from './testing.js';

process.env.FNN_QUIET = '1';
await setBackend('wasm');

/**
 * 8 → Dense 16 → BatchNormalization → relu → Dense 3 softmax, seeded. The Dense layer has no
 * bias: batch norm cancels it, so its gradient is rounding noise that Adam would blow up into
 * full-size steps of arbitrary sign, and no two summation orders would agree on it.
 */
function batchNormModel(): LayersModel {
  resetNames();
  return compiledModel([
    layers.dense({ units: 16, useBias: false, kernelInitializer: initializers.glorotUniform({ seed: 5 }) }),
    layers.batchNormalization({}),
    layers.activation({ activation: 'relu' }),
  ]);
}

/** Batch mean and biased variance per feature of the first Dense layer's output on `rows` of x. */
function denseMoments(
  model: LayersModel,
  x: tf.Tensor,
  start: number,
  size: number,
): { mean: Float32Array; variance: Float32Array } {
  return tf.tidy(() => {
    const dense = model.layers[0]!;
    const z = tf.matMul(tf.slice(x, start, size) as tf.Tensor2D, dense.weights[0]!.read() as tf.Tensor2D);
    const { mean, variance } = tf.moments(z, 0);
    return { mean: mean.dataSync() as Float32Array, variance: variance.dataSync() as Float32Array };
  });
}

function movingStatistics(model: LayersModel): { mean: Float32Array; variance: Float32Array } {
  const [mean, variance] = model.nonTrainableWeights.map((w) => w.read().dataSync() as Float32Array);
  return { mean: mean!, variance: variance! };
}

function expectAllClose(actual: Float32Array, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(tolerance);
  });
}

describe('BatchNormalization under DataParallelTrainer', () => {
  const data = classificationData(64);
  const trainer = new DataParallelTrainer({ workers: 2, backend: 'wasm' });
  const synced = new DataParallelTrainer({ workers: 2, backend: 'wasm', syncBatchNorm: true });
  afterAll(async () => {
    await trainer.close();
    await synced.close();
  });

  it('uses per-shard statistics and averages the moving statistics over the shards', async () => {
    const model = batchNormModel();
    const shards = [denseMoments(model, data.x, 0, 8), denseMoments(model, data.x, 8, 8)];
    const whole = denseMoments(model, data.x, 0, 16);
    // One step on the first 16 samples: shards of 8, momentum 0.99, moving statistics from 0 and 1.
    const first16 = { x: tf.slice(data.x, 0, 16), y: tf.slice(data.y, 0, 16) };
    await trainer.fit(
      model,
      first16.x,
      first16.y,
      withTestHooks({ epochs: 1, batchSize: 16, shuffle: false, verbose: 0 }, { collectReplicaWeights: true }),
    );
    const expectedMean = shards[0]!.mean.map((m, i) => 0.01 * ((m + shards[1]!.mean[i]!) / 2));
    const expectedVariance = shards[0]!.variance.map((v, i) => 1 - 0.01 * (1 - (v + shards[1]!.variance[i]!) / 2));
    const moving = movingStatistics(model);
    expectAllClose(moving.mean, expectedMean, 1e-6);
    expectAllClose(moving.variance, expectedVariance, 1e-6);
    // The average of the shard variances is not the whole batch's variance (the test tells them apart).
    const wholeVariance = whole.variance.map((v) => 1 - 0.01 * (1 - v));
    expect(Math.max(...moving.variance.map((v, i) => Math.abs(v - wholeVariance[i]!)))).toBeGreaterThan(1e-4);
    const [r0, r1] = replicaWeightsOf(trainer)!;
    expect(Buffer.from(r0!.buffer).equals(Buffer.from(r1!.buffer))).toBe(true);
  });

  it('keeps the moving statistics of all replicas equal over uneven shards', async () => {
    const three = new DataParallelTrainer({ workers: 3, backend: 'wasm' });
    try {
      const model = batchNormModel();
      // 64 samples in batches of 20: shards of 7/7/6, and a last batch of 4 split 2/1/1.
      await three.fit(
        model,
        data.x,
        data.y,
        withTestHooks({ epochs: 2, batchSize: 20, seed: 4, verbose: 0 }, { collectReplicaWeights: true }),
      );
      const [r0, r1, r2] = replicaWeightsOf(three)!;
      expect(Buffer.from(r0!.buffer).equals(Buffer.from(r1!.buffer))).toBe(true);
      expect(Buffer.from(r0!.buffer).equals(Buffer.from(r2!.buffer))).toBe(true);
      const moving = movingStatistics(model);
      expect(moving.mean.some((m) => m !== 0)).toBe(true);
    } finally {
      await three.close();
    }
  });

  it('with syncBatchNorm computes the statistics of the whole batch, as single-thread model.fit does', async () => {
    const reference = batchNormModel();
    const whole = denseMoments(reference, data.x, 0, 16);
    const first16 = { x: tf.slice(data.x, 0, 16), y: tf.slice(data.y, 0, 16) };
    const model = batchNormModel();
    await synced.fit(model, first16.x, first16.y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
    const moving = movingStatistics(model);
    expectAllClose(
      moving.mean,
      whole.mean.map((m) => 0.01 * m),
      1e-6,
    );
    expectAllClose(
      moving.variance,
      whole.variance.map((v) => 1 - 0.01 * (1 - v)),
      1e-6,
    );

    // Several epochs: every weight (gamma, beta, moving statistics, Dense kernels) follows model.fit.
    const args = { epochs: 3, batchSize: 16, seed: 8 };
    await reference.fit(data.x, data.y, { ...args, verbose: 0 });
    const trained = batchNormModel();
    await synced.fit(trained, data.x, data.y, withTestHooks({ ...args, verbose: 0 }, { collectReplicaWeights: true }));
    expect(relativeDifference(reference.getWeights(), trained.getWeights())).toBeLessThanOrEqual(1e-5);
    const [r0, r1] = replicaWeightsOf(synced)!;
    expect(Buffer.from(r0!.buffer).equals(Buffer.from(r1!.buffer))).toBe(true);
  });
});
