import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../tf.js';
import { setBackend } from '../backend.js';
import { resetNames } from '../naming.js';
import { layers } from '../layers/index.js';
import { sequential } from '../models/sequential.js';
import { initializers } from '../initializers/index.js';
import { randomNormalTensor } from '../testing/compare.js';
import { batchProgressCallback, type BatchProgress } from './batch-progress.js';

beforeAll(async () => {
  await setBackend('wasm');
});

describe('batchProgressCallback', () => {
  /** Drives the callback as the training loop does: batch b of epoch e ends at time(e, b) ms. */
  function drive(batches: number, epochs: number, time: (epoch: number, batch: number) => number, stopAt?: number) {
    let clock = 0;
    const reports: string[] = [];
    const callback = batchProgressCallback(
      (p) => reports.push(`${p.epoch}:${p.batch}/${p.batches} loss ${p.logs.loss}`),
      batches,
      100,
      () => clock,
    );
    for (let epoch = 0; epoch < epochs; epoch++) {
      callback.onEpochBegin?.(epoch);
      for (let batch = 0; batch < (stopAt ?? batches); batch++) {
        clock = time(epoch, batch);
        callback.onBatchEnd?.(batch, { loss: batch / 10 });
      }
      callback.onEpochEnd?.(epoch, {});
    }
    return reports;
  }

  it("reports the first batch at once, then at most once per interval, and every epoch's last batch", () => {
    // Batches end every 30 ms: reports at 0, 120 (>= 100 after 0), 240, and the last batch (270).
    expect(drive(10, 1, (_, b) => b * 30)).toEqual([
      '0:0/10 loss 0',
      '0:4/10 loss 0.4',
      '0:8/10 loss 0.8',
      '0:9/10 loss 0.9',
    ]);
    // The interval runs across epochs: epoch 1's first batches are too soon, its last is reported regardless.
    expect(drive(4, 2, (e, b) => (e * 4 + b) * 30)).toEqual(['0:0/4 loss 0', '0:3/4 loss 0.3', '1:3/4 loss 0.3']);
  });

  it('reports every batch when batches are further apart than the interval', () => {
    expect(drive(3, 1, (_, b) => b * 150)).toEqual(['0:0/3 loss 0', '0:1/3 loss 0.1', '0:2/3 loss 0.2']);
  });

  it('reports the last completed batch of an epoch that stopped early', () => {
    // Training stopped after batch 4 of 10 (stopTraining): batch 4 is reported at the epoch end.
    expect(drive(10, 1, (_, b) => b * 10, 5)).toEqual(['0:0/10 loss 0', '0:4/10 loss 0.4']);
  });

  it('hands the observer a copy of the logs', () => {
    const logs = { loss: 1 };
    const callback = batchProgressCallback((p) => {
      p.logs.loss = 99;
    }, 1);
    callback.onBatchEnd?.(0, logs);
    expect(logs.loss).toBe(1);
  });
});

describe("fit's onBatchProgress", () => {
  function trainedWeights(onBatchProgress?: (p: BatchProgress) => void) {
    resetNames();
    const model = sequential([
      layers.dense({
        units: 5,
        activation: 'relu',
        inputShape: [3],
        kernelInitializer: initializers.glorotUniform({ seed: 4 }),
      }),
      layers.dropout({ rate: 0.3 }),
      layers.dense({ units: 1, kernelInitializer: initializers.glorotUniform({ seed: 5 }) }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = randomNormalTensor([10, 3], 1);
    const y = randomNormalTensor([10, 1], 2);
    return model.fit(x, y, { epochs: 3, batchSize: 4, seed: 9, verbose: 0, onBatchProgress }).then((history) => {
      const weights = model.weights.map((w) => Array.from(w.read().dataSync()));
      tf.dispose([x, y]);
      return { history, weights };
    });
  }

  it("observes every epoch's end with the epoch's logs and leaves training bit-identical", async () => {
    const seen: BatchProgress[] = [];
    const observed = await trainedWeights((p) => seen.push(p));
    const plain = await trainedWeights();
    expect(observed.weights).toEqual(plain.weights);
    const ends = seen.filter((p) => p.batch === p.batches - 1);
    expect(ends.map((p) => [p.epoch, p.batch, p.batches])).toEqual([
      [0, 2, 3],
      [1, 2, 3],
      [2, 2, 3],
    ]);
    // The last batch's running mean is the epoch's logged loss.
    expect(ends.map((p) => p.logs.loss)).toEqual(observed.history.history.loss);
  });

  it('rejects an onBatchProgress that is not a function, naming it', async () => {
    resetNames();
    const model = sequential([layers.dense({ units: 1, inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.zeros([2, 2]);
    const y = tf.zeros([2, 1]);
    await expect(model.fit(x, y, { onBatchProgress: 'yes' as never, verbose: 0 })).rejects.toThrow(
      `fit (model ${model.name}): expected onBatchProgress to be a function, but got "yes".`,
    );
    tf.dispose([x, y]);
  });
});
