import { afterAll, describe, expect, it } from 'vitest';
import {
  initializers,
  layers,
  resetNames,
  setBackend,
  tf,
  type History,
  type LayersModel,
  type OptimizerState,
  type Tensor,
} from '@fnn/core';
import { Dataset } from '@fnn/data';
import {
  classificationData,
  compiledModel,
  denseModel,
  flatWeights,
  relativeDifference,
} from '../test-support/fixtures.js';
import { DataParallelTrainer } from './index.js';
import { replicaWeightsOf, withTestHooks } from './testing.js';

// Workers 1, 2 and 3 against single-thread model.fit: same initial weights, same shuffled order.
const TOLERANCE = 1e-5;

process.env.FNN_QUIET = '1';
await setBackend('wasm');

async function referenceFit(
  build: () => LayersModel,
  x: Tensor,
  y: Tensor,
  args: Parameters<LayersModel['fit']>[2],
): Promise<{ model: LayersModel; history: History }> {
  const model = build();
  const history = await model.fit(x, y, { verbose: 0, ...args });
  return { model, history };
}

function expectHistoriesClose(actual: History, expected: History): void {
  expect(actual.epoch).toEqual(expected.epoch);
  expect(Object.keys(actual.history).sort()).toEqual(Object.keys(expected.history).sort());
  for (const [key, values] of Object.entries(expected.history)) {
    actual.history[key]!.forEach((v, i) => {
      expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(values[i]!)));
    });
  }
}

describe.each([1, 2, 3])('DataParallelTrainer with %i worker(s) on a Dense model', (workers) => {
  const data = classificationData(100);
  const validation = classificationData(30, 8, 3, 12);
  const trainer = new DataParallelTrainer({ workers, backend: 'wasm' });
  afterAll(() => trainer.close());

  it('reaches the weights and logs of single-thread model.fit (uneven last batch, shuffled, validation)', async () => {
    // 100 samples in batches of 32: the last batch has 4 samples, split 2/1/1 across 3 workers.
    const args = {
      epochs: 3,
      batchSize: 32,
      seed: 7,
      validationData: [validation.x, validation.y] as [Tensor, Tensor],
    };
    const expected = await referenceFit(denseModel, data.x, data.y, args);
    const model = denseModel();
    const before = tf.memory().numTensors;
    const history = await trainer.fit(
      model,
      data.x,
      data.y,
      withTestHooks({ ...args, verbose: 0 }, { collectReplicaWeights: true }),
    );
    expect(tf.memory().numTensors).toBe(before);
    // Nor in the workers: the count after every epoch is the same.
    for (const counts of trainer.lastFitTensorCounts!) expect(counts).toEqual([counts[0], counts[0], counts[0]]);

    expect(relativeDifference(expected.model.getWeights(), model.getWeights())).toBeLessThanOrEqual(TOLERANCE);
    expectHistoriesClose(history, expected.history);
    expect(history.history.val_loss).toHaveLength(3);
    // Every replica holds exactly the weights the model received.
    const replicas = replicaWeightsOf(trainer)!;
    expect(replicas).toHaveLength(workers);
    const own = flatWeights(model);
    for (const replica of replicas) expect(Buffer.from(replica.buffer).equals(Buffer.from(own.buffer))).toBe(true);
    // The model continues from the optimizer state the workers reached.
    expect(model.compiled!.optimizer.iterations).toBe(3 * 4);
  });

  it('trains with batches smaller than the worker count as model.fit does', async () => {
    const small = classificationData(7, 8, 3, 13);
    const args = { epochs: 2, batchSize: 2, seed: 3 };
    const expected = await referenceFit(denseModel, small.x, small.y, args);
    const model = denseModel();
    const history = await trainer.fit(model, small.x, small.y, { ...args, verbose: 0 });
    expect(relativeDifference(expected.model.getWeights(), model.getWeights())).toBeLessThanOrEqual(TOLERANCE);
    expectHistoriesClose(history, expected.history);
  });
});

describe('DataParallelTrainer and the model it trains', () => {
  const data = classificationData(64);
  const trainer = new DataParallelTrainer({ workers: 2, backend: 'wasm' });
  afterAll(() => trainer.close());

  it('leaves a model that evaluates, predicts and trains on as one trained by model.fit', async () => {
    const args = { epochs: 2, batchSize: 16, seed: 21 };
    const expected = await referenceFit(denseModel, data.x, data.y, args);
    const model = denseModel();
    await trainer.fit(model, data.x, data.y, { ...args, verbose: 0 });
    const [lossA, accA] = expected.model.evaluate(data.x, data.y) as Tensor[];
    const [lossB, accB] = model.evaluate(data.x, data.y) as Tensor[];
    expect(Math.abs(lossB!.dataSync()[0]! - lossA!.dataSync()[0]!)).toBeLessThan(1e-5);
    expect(accB!.dataSync()[0]).toBe(accA!.dataSync()[0]);
    // A later single-thread fit continues from the same optimizer state (Adam's moments, step count).
    await expected.model.fit(data.x, data.y, { epochs: 1, batchSize: 16, seed: 22, verbose: 0 });
    await model.fit(data.x, data.y, { epochs: 1, batchSize: 16, seed: 22, verbose: 0 });
    expect(relativeDifference(expected.model.getWeights(), model.getWeights())).toBeLessThanOrEqual(TOLERANCE);
  });

  it('continues the optimizer state in a second fit, as model.fit does', async () => {
    const expected = denseModel();
    await expected.fit(data.x, data.y, { epochs: 1, batchSize: 16, seed: 5, verbose: 0 });
    await expected.fit(data.x, data.y, { epochs: 1, batchSize: 16, seed: 6, verbose: 0 });
    const model = denseModel();
    await trainer.fit(model, data.x, data.y, { epochs: 1, batchSize: 16, seed: 5, verbose: 0 });
    await trainer.fit(model, data.x, data.y, { epochs: 1, batchSize: 16, seed: 6, verbose: 0 });
    expect(model.compiled!.optimizer.iterations).toBe(8);
    expect(relativeDifference(expected.getWeights(), model.getWeights())).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each([1, 2])(
    'holds the optimizer state of model.fit at every epoch end (%i worker(s)), so a checkpoint there resumes exactly',
    async (workers) => {
      const statesAt = (model: LayersModel, into: OptimizerState[]) => ({
        onEpochEnd: () => void into.push(model.compiled!.optimizer.getState()),
      });
      const expected = denseModel();
      const expectedStates: OptimizerState[] = [];
      await expected.fit(data.x, data.y, {
        epochs: 3,
        batchSize: 16,
        seed: 8,
        verbose: 0,
        callbacks: [statesAt(expected, expectedStates)],
      });
      const model = denseModel();
      const states: OptimizerState[] = [];
      const run = workers === 2 ? trainer : new DataParallelTrainer({ workers, backend: 'wasm' });
      await run.fit(model, data.x, data.y, {
        epochs: 3,
        batchSize: 16,
        seed: 8,
        verbose: 0,
        callbacks: [statesAt(model, states)],
      });
      if (run !== trainer) await run.close();
      expect(states.map((s) => s.iterations)).toEqual([4, 8, 12]);
      states.forEach((state, epoch) => {
        const reference = expectedStates[epoch]!;
        expect(Object.keys(state.slots).sort()).toEqual(Object.keys(reference.slots).sort());
        for (const [weight, slots] of Object.entries(reference.slots)) {
          for (const [slot, values] of Object.entries(slots)) {
            expect(relativeDifference([state.slots[weight]![slot]!], [values])).toBeLessThanOrEqual(TOLERANCE);
          }
        }
      });
    },
  );

  it('trains on a Dataset as on the same tensors', async () => {
    const dataset = Dataset.fromArrays({
      x: data.x.dataSync() as Float32Array,
      y: data.y.dataSync() as Float32Array,
      featureShape: [8],
      labelShape: [3],
    });
    const fromTensors = denseModel();
    const fromDataset = denseModel();
    await trainer.fit(fromTensors, data.x, data.y, { epochs: 1, batchSize: 16, seed: 4, verbose: 0 });
    await trainer.fit(fromDataset, dataset, undefined, { epochs: 1, batchSize: 16, seed: 4, verbose: 0 });
    expect(relativeDifference(fromTensors.getWeights(), fromDataset.getWeights())).toBe(0);
  });

  it('reports progress and calls callbacks as model.fit does, with the epoch weights in the model', async () => {
    const events: string[] = [];
    const epochWeights: number[] = [];
    let model: LayersModel | undefined;
    const callbacks = {
      onEpochBegin: (epoch: number) => void events.push(`epochBegin ${epoch}`),
      onBatchEnd: (batch: number) => void events.push(`batchEnd ${batch}`),
      onEpochEnd: (epoch: number, logs?: Record<string, number>) => {
        events.push(`epochEnd ${epoch} ${Object.keys(logs ?? {}).join(',')}`);
        epochWeights.push(model!.trainableWeights[0]!.read().dataSync()[0]!);
      },
    };
    const output: string[] = [];
    model = denseModel();
    const history = await trainer.fit(model, data.x, data.y, {
      epochs: 2,
      batchSize: 32,
      seed: 1,
      verbose: 2,
      callbacks,
      validationData: [data.x, data.y],
      progress: { write: (text) => void output.push(text), isTTY: false },
    });
    expect(events).toEqual([
      'epochBegin 0',
      'batchEnd 0',
      'batchEnd 1',
      'epochEnd 0 loss,accuracy,val_loss,val_accuracy',
      'epochBegin 1',
      'batchEnd 0',
      'batchEnd 1',
      'epochEnd 1 loss,accuracy,val_loss,val_accuracy',
    ]);
    // At the last epoch end the model already held the final weights.
    expect(epochWeights[1]).toBe(model.trainableWeights[0]!.read().dataSync()[0]);
    expect(epochWeights[0]).not.toBe(epochWeights[1]);
    const text = output.join('');
    expect(text).toMatch(
      /Epoch 1\/2\n2\/2 - .* - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}/,
    );
    expect(history.history.loss).toHaveLength(2);
  });

  it('stops where model.fit stops when a callback sets stopTraining after a batch', async () => {
    const stopAt = (model: () => LayersModel) => {
      const m = model();
      return {
        model: m,
        callbacks: [
          {
            onBatchEnd: (batch: number) => {
              if (batch === 1) m.stopTraining = true;
            },
          },
        ],
      };
    };
    const a = stopAt(denseModel);
    await a.model.fit(data.x, data.y, { epochs: 3, batchSize: 8, seed: 9, verbose: 0, callbacks: a.callbacks });
    const b = stopAt(denseModel);
    const history = await trainer.fit(b.model, data.x, data.y, {
      epochs: 3,
      batchSize: 8,
      seed: 9,
      verbose: 0,
      callbacks: b.callbacks,
    });
    expect(history.epoch).toEqual([0]);
    expect(b.model.compiled!.optimizer.iterations).toBe(2);
    expect(relativeDifference(a.model.getWeights(), b.model.getWeights())).toBeLessThanOrEqual(TOLERANCE);
  });

  it('stops on a non-finite loss as model.fit does, keeping the last finite weights', async () => {
    // SGD with an absurd learning rate: the first step is finite, the second loss overflows.
    const build = () => {
      resetNames();
      const m = compiledModel(
        [layers.dense({ units: 16, activation: 'relu', kernelInitializer: initializers.glorotUniform({ seed: 5 }) })],
        {
          optimizer: { className: 'SGD', config: { learningRate: 1e30 } },
        },
      );
      return m;
    };
    const reference = build();
    const expected = await reference
      .fit(data.x, data.y, { epochs: 2, batchSize: 16, seed: 2, verbose: 0 })
      .catch((e: unknown) => e);
    expect(expected).toBeInstanceOf(Error);
    const model = build();
    const error = await trainer
      .fit(model, data.x, data.y, { epochs: 2, batchSize: 16, seed: 2, verbose: 0 })
      .catch((e: unknown) => e);
    const cause = (e: unknown) => (e as Error).message.replace(/^.*?: the loss/, 'the loss');
    expect((error as Error).message).toMatch(
      /^DataParallelTrainer.fit: the loss became (NaN|Infinity) at epoch 1\/2, batch \d\/4/,
    );
    expect(cause(error)).toBe(cause(expected));
    expect(model.compiled!.optimizer.iterations).toBe(reference.compiled!.optimizer.iterations);
    expect(relativeDifference(reference.getWeights(), model.getWeights())).toBeLessThanOrEqual(TOLERANCE);
  });

  it('draws distinct dropout masks per worker, keeps replicas identical, and with one worker matches model.fit', async () => {
    const build = () => {
      resetNames();
      return compiledModel([
        layers.dense({ units: 16, activation: 'relu', kernelInitializer: initializers.glorotUniform({ seed: 5 }) }),
        layers.dropout({ rate: 0.5 }),
      ]);
    };
    const args = { epochs: 1, batchSize: 16, seed: 30 };
    const expected = await referenceFit(build, data.x, data.y, args);
    const single = new DataParallelTrainer({ workers: 1, backend: 'wasm' });
    try {
      const one = build();
      await single.fit(one, data.x, data.y, { ...args, verbose: 0 });
      expect(relativeDifference(expected.model.getWeights(), one.getWeights())).toBe(0);
    } finally {
      await single.close();
    }
    const two = build();
    await trainer.fit(two, data.x, data.y, withTestHooks({ ...args, verbose: 0 }, { collectReplicaWeights: true }));
    const [r0, r1] = replicaWeightsOf(trainer)!;
    expect(Buffer.from(r0!.buffer).equals(Buffer.from(r1!.buffer))).toBe(true);
    // Two workers with the same masks as one would reproduce model.fit; distinct streams do not.
    expect(relativeDifference(expected.model.getWeights(), two.getWeights())).toBeGreaterThan(1e-4);
  });
});
