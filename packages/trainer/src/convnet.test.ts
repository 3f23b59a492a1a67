import { afterAll, describe, expect, it } from 'vitest';
import {
  initializers,
  layers,
  resetNames,
  sequential,
  setBackend,
  tf,
  type History,
  type Layer,
  type LayersModel,
} from '@fnn/core';
import { loadMnist } from '@fnn/data';
import { relativeDifference } from '../test-support/fixtures.js';
import { DataParallelTrainer } from './index.js';

// The Keras "Simple MNIST convnet" trained data-parallel on 2 workers reaches what model.fit
// reaches on one thread: same weights, losses and Adam state, on real MNIST images.
const TOLERANCE = 1e-5;

process.env.FNN_QUIET = '1';
const mnist = loadMnist();

/**
 * Conv2D 32 3×3 relu → MaxPool 2 → Conv2D 64 3×3 relu → MaxPool 2 → Flatten → Dense 10 softmax,
 * Adam: the Keras convnet without its Dropout (dropout masks differ between one thread and the
 * workers' shards). `flat`: it takes MNIST's 784-value rows and reshapes them, as the sweep's
 * conv runs do; otherwise 28×28×1 images, as Keras's. `filters`: of the two conv layers.
 */
function convnet(flat: boolean, filters: [number, number] = [32, 64]): LayersModel {
  resetNames();
  const seeded = (seed: number) => initializers.glorotUniform({ seed });
  const input: Layer[] = flat ? [layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] })] : [];
  const model = sequential([
    ...input,
    layers.conv2d({
      filters: filters[0],
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: seeded(1),
      ...(flat ? {} : { inputShape: [28, 28, 1] }),
    }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: filters[1], kernelSize: 3, activation: 'relu', kernelInitializer: seeded(2) }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.flatten(),
    layers.dense({ units: 10, activation: 'softmax', kernelInitializer: seeded(3) }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

function expectSameTraining(expected: { model: LayersModel; history: History }, trained: typeof expected): void {
  expect(relativeDifference(expected.model.getWeights(), trained.model.getWeights())).toBeLessThanOrEqual(TOLERANCE);
  const losses = expected.history.history.loss!;
  expect(trained.history.history.loss).toHaveLength(losses.length);
  for (const [i, loss] of trained.history.history.loss!.entries()) {
    expect(Math.abs(loss - losses[i]!)).toBeLessThanOrEqual(TOLERANCE);
  }
  const state = trained.model.compiled!.optimizer.getState();
  const reference = expected.model.compiled!.optimizer.getState();
  expect(state.iterations).toBe(reference.iterations);
  for (const [weight, slots] of Object.entries(reference.slots)) {
    const mine = state.slots[weight]!;
    expect(relativeDifference([mine.m!, mine.v!], [slots.m!, slots.v!])).toBeLessThanOrEqual(TOLERANCE);
  }
}

describe('DataParallelTrainer trains the Keras MNIST convnet on 2 workers, native backend', () => {
  const trainer = new DataParallelTrainer({ workers: 2, backend: 'native' });
  afterAll(() => trainer.close());

  it('as model.fit: flat MNIST rows from a shared Dataset, reshaped by the model (the sweep’s conv runs)', async () => {
    await setBackend('native', { quiet: true });
    const data = mnist.train.slice(0, 256);
    const args = { epochs: 2, batchSize: 64, seed: 5, shuffle: true, verbose: 0 as const };
    const { x, y } = data.toTensors(tf);
    const expected = convnet(true);
    const expectedHistory = await expected.fit(x, y, args);
    const model = convnet(true);
    expect(model.countParams()).toBe(34_826);
    const history = await trainer.fit(model, data, undefined, args);
    expect(trainer.lastFitTimings?.map((t) => t.steps)).toEqual([8, 8]);
    expectSameTraining({ model: expected, history: expectedHistory }, { model, history });
    tf.dispose([x, y]);
  });
});

// tfjs-cpu's convolutions are plain JavaScript loops (a few MFLOP/s in its filter gradient): the
// same stack with 4 and 8 filters keeps this under seconds.
describe('DataParallelTrainer trains a narrow Keras convnet on 2 workers, cpu backend', () => {
  const trainer = new DataParallelTrainer({ workers: 2, backend: 'cpu' });
  afterAll(() => trainer.close());

  it('as model.fit: 28×28×1 image tensors, as Keras feeds them', async () => {
    await setBackend('cpu', { quiet: true });
    const { x: flat, y } = mnist.train.slice(0, 64).toTensors(tf);
    const x = tf.reshape(flat, [64, 28, 28, 1]);
    const args = { epochs: 1, batchSize: 32, seed: 9, shuffle: true, verbose: 0 as const };
    const expected = convnet(false, [4, 8]);
    const expectedHistory = await expected.fit(x, y, args);
    const model = convnet(false, [4, 8]);
    const history = await trainer.fit(model, x, y, args);
    expectSameTraining({ model: expected, history: expectedHistory }, { model, history });
    tf.dispose([flat, x, y]);
  });
});
