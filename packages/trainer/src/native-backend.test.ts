import { afterAll, describe, expect, it } from 'vitest';
import { add, initializers, input, layers, model, resetNames, setBackend, type LayersModel } from '@fnn/core';
import { classificationData, denseModel, flatWeights, relativeDifference } from '../test-support/fixtures.js';
import { DataParallelTrainer } from './index.js';
import { replicaWeightsOf, withTestHooks } from './testing.js';

// On 'native' (as on cpu) the replicas compute with the shared parameters in place, and each
// worker updates its slice with the native optimizer kernel: the same run as model.fit on native.
const TOLERANCE = 1e-5;

process.env.FNN_QUIET = '1';
await setBackend('native');

describe.each([1, 2, 3])('DataParallelTrainer with %i worker(s) on the native backend', (workers) => {
  const data = classificationData(90);
  const trainer = new DataParallelTrainer({ workers, backend: 'native' });
  afterAll(() => trainer.close());

  it('reaches the weights, logs and optimizer state of model.fit on native, with identical replicas', async () => {
    const args = { epochs: 3, batchSize: 20, seed: 17, shuffle: true, verbose: 0 as const };
    const expected: LayersModel = denseModel();
    const expectedHistory = await expected.fit(data.x, data.y, args);
    const model = denseModel();
    const history = await trainer.fit(model, data.x, data.y, withTestHooks(args, { collectReplicaWeights: true }));
    expect(trainer.lastFitTimings?.every((t) => t.steps === 15)).toBe(true);
    // No tensor leaks in the workers: the count after every epoch is the same.
    for (const counts of trainer.lastFitTensorCounts!) expect(counts).toEqual([counts[0], counts[0], counts[0]]);
    expect(relativeDifference(expected.getWeights(), model.getWeights())).toBeLessThanOrEqual(TOLERANCE);
    history.history.loss!.forEach((loss, i) => {
      expect(Math.abs(loss - expectedHistory.history.loss![i]!)).toBeLessThanOrEqual(TOLERANCE);
    });
    const state = model.compiled!.optimizer.getState();
    const reference = expected.compiled!.optimizer.getState();
    expect(state.iterations).toBe(reference.iterations);
    for (const [weight, slots] of Object.entries(reference.slots)) {
      expect(
        relativeDifference([state.slots[weight]!.m!, state.slots[weight]!.v!], [slots.m!, slots.v!]),
      ).toBeLessThanOrEqual(TOLERANCE);
    }
    const replicas = replicaWeightsOf(trainer)!;
    replicas.forEach((weights) => {
      expect(weights).toEqual(replicas[0]);
    });
    expect(relativeDifference([replicas[0]!], [flatWeights(model)])).toBe(0);
  });
});

/** 8 → a, b (Dense 6) → one Dense 6 applied to both, added → 3 softmax: the shared layer's gradient is a sum over its two calls. */
function sharedLayerModel(): LayersModel {
  resetNames();
  const x = input({ shape: [8] });
  const a = layers
    .dense({ units: 6, activation: 'relu', kernelInitializer: initializers.glorotUniform({ seed: 1 }) })
    .apply(x);
  const b = layers
    .dense({ units: 6, activation: 'tanh', kernelInitializer: initializers.glorotUniform({ seed: 2 }) })
    .apply(x);
  const shared = layers.dense({
    units: 6,
    activation: 'relu',
    kernelInitializer: initializers.glorotUniform({ seed: 3 }),
  });
  const merged = add().apply([shared.apply(a), shared.apply(b)]);
  const out = layers
    .dense({ units: 3, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: 4 }) })
    .apply(merged);
  const m = model({ inputs: x, outputs: out });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('DataParallelTrainer on native with a layer called twice (gradients written straight to shared memory, then summed)', () => {
  const data = classificationData(64, 8, 3, 5);
  const trainer = new DataParallelTrainer({ workers: 2, backend: 'native' });
  afterAll(() => trainer.close());

  it('reaches the weights of model.fit', async () => {
    const args = { epochs: 2, batchSize: 16, seed: 3, verbose: 0 as const };
    const expected = sharedLayerModel();
    await expected.fit(data.x, data.y, args);
    const trained = sharedLayerModel();
    await trainer.fit(trained, data.x, data.y, args);
    expect(relativeDifference(expected.getWeights(), trained.getWeights())).toBeLessThanOrEqual(TOLERANCE);
  });
});
