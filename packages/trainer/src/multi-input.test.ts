import { afterAll, describe, expect, it } from 'vitest';
import {
  initializers,
  input,
  layers,
  model,
  resetNames,
  SeededRandom,
  setBackend,
  tf,
  type LayersModel,
  type Tensor,
} from '@fnn/core';
import { Dataset } from '@fnn/data';
import { relativeDifference } from '../test-support/fixtures.js';
import { DataParallelTrainer } from './index.js';

// A functional model with two inputs (a [2, 3] block and a vector of 4) and two outputs (3
// classes, and a regression), trained as model.fit trains it: rows of both inputs sit side by
// side in shared memory and each worker splits its shard back into one tensor per input.
const TOLERANCE = 1e-5;

process.env.FNN_QUIET = '1';
await setBackend('wasm');

function twoInTwoOut(): LayersModel {
  resetNames();
  const block = input({ shape: [2, 3], name: 'block' });
  const vector = input({ shape: [4], name: 'vector' });
  const flat = layers.flatten().apply(block);
  const merged = layers
    .concatenate()
    .apply([
      flat,
      layers
        .dense({ units: 5, activation: 'relu', kernelInitializer: initializers.glorotUniform({ seed: 2 }) })
        .apply(vector),
    ]);
  const hidden = layers
    .dense({ units: 8, activation: 'tanh', kernelInitializer: initializers.glorotUniform({ seed: 3 }) })
    .apply(merged);
  const classes = layers
    .dense({
      units: 3,
      activation: 'softmax',
      name: 'classes',
      kernelInitializer: initializers.glorotUniform({ seed: 4 }),
    })
    .apply(hidden);
  const amount = layers
    .dense({ units: 1, name: 'amount', kernelInitializer: initializers.glorotUniform({ seed: 5 }) })
    .apply(hidden);
  const m = model({ inputs: [block, vector], outputs: [classes, amount] });
  m.compile({ optimizer: 'adam', loss: ['categoricalCrossentropy', 'meanSquaredError'], metrics: ['accuracy'] });
  return m;
}

function data(n: number, seed: number): { x: Tensor[]; y: Tensor[] } {
  const random = new SeededRandom(seed);
  const block = Float32Array.from({ length: n * 6 }, () => random.normal());
  const vector = Float32Array.from({ length: n * 4 }, () => random.normal());
  const classes = new Float32Array(n * 3);
  const amount = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s = block[i * 6]! - vector[i * 4 + 1]! + 0.5 * block[i * 6 + 4]!;
    classes[i * 3 + (s < -0.5 ? 0 : s < 0.5 ? 1 : 2)] = 1;
    amount[i] = vector[i * 4]! * 0.5 + block[i * 6 + 2]!;
  }
  return {
    x: [tf.tensor3d(block, [n, 2, 3]), tf.tensor2d(vector, [n, 4])],
    y: [tf.tensor2d(classes, [n, 3]), tf.tensor2d(amount, [n, 1])],
  };
}

describe.each([1, 2, 3])('DataParallelTrainer with %i worker(s) on a two-input, two-output model', (workers) => {
  const train = data(70, 1);
  const validation = data(25, 2);
  const trainer = new DataParallelTrainer({ workers, backend: 'wasm' });
  afterAll(() => trainer.close());

  it('reaches the weights, losses and metrics of model.fit (per-output keys, validation)', async () => {
    const args = { epochs: 2, batchSize: 16, seed: 3, verbose: 0 as const };
    const expected = twoInTwoOut();
    const expectedHistory = await expected.fit(train.x, train.y, {
      ...args,
      validationData: [validation.x, validation.y],
    });
    const trained = twoInTwoOut();
    const history = await trainer.fit(trained, train.x, train.y, {
      ...args,
      validationData: [validation.x, validation.y],
    });
    expect(Object.keys(history.history).sort()).toEqual(Object.keys(expectedHistory.history).sort());
    expect(history.history).toHaveProperty('val_amount_loss');
    for (const [key, values] of Object.entries(expectedHistory.history)) {
      history.history[key]!.forEach((v, i) => {
        expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(values[i]!)));
      });
    }
    expect(relativeDifference(expected.getWeights(), trained.getWeights())).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('DataParallelTrainer input checks for several inputs', () => {
  const trainer = new DataParallelTrainer({ workers: 2, backend: 'wasm' });
  afterAll(() => trainer.close());
  const train = data(10, 4);

  it('names the input whose shape does not fit, before any thread starts', async () => {
    await expect(trainer.fit(twoInTwoOut(), [train.x[1]!, train.x[0]!], train.y)).rejects.toThrow(
      'DataParallelTrainer.fit: expected input block to have shape (None, 2, 3), but got x[0] with shape (10, 4).',
    );
    expect(trainer.liveThreads).toBe(0);
  });

  it('refuses a Dataset for a model with several inputs, saying what to pass instead', async () => {
    const dataset = Dataset.fromArrays({
      x: new Float32Array(10 * 10),
      y: new Float32Array(10 * 4),
      featureShape: [10],
      labelShape: [4],
    });
    await expect(trainer.fit(twoInTwoOut(), dataset)).rejects.toThrow(
      'DataParallelTrainer.fit: a Dataset holds one feature array and one label array, but model model_1 has 2 input(s) and 2 output(s); pass x as tensors, one per input and output, as to model.fit.',
    );
  });
});
