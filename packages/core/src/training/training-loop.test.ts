import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../backend.js';
import { resetNames } from '../naming.js';
import { layers } from '../layers/index.js';
import { sequential } from '../models/sequential.js';
import { epochOrder } from './data-adapter.js';
import { runTrainingLoop, stepSeed, type BatchSpec } from './training-loop.js';

beforeAll(async () => {
  await setBackend('wasm');
});

function anyModel() {
  resetNames();
  return sequential([layers.dense({ units: 1, inputShape: [2] })]);
}

describe('runTrainingLoop (the loop a data-parallel trainer drives)', () => {
  it('hands out every sample once per epoch in seeded batches (last partial), and averages batch logs by size', async () => {
    const specs: BatchSpec[] = [];
    const history = await runTrainingLoop(anyModel(), {
      epochs: 2,
      numSamples: 10,
      batchSize: 4,
      seed: 7,
      verbose: 0,
      logKeys: ['loss', 'accuracy'],
      trainBatch: (spec) => {
        specs.push(spec);
        // Batch losses 1, 2, 3 (sizes 4, 4, 2) → epoch loss (4 + 8 + 6) / 10 = 1.8.
        return { loss: spec.batch + 1, accuracy: 0.5 };
      },
      validate: () => ({ loss: 0.25, accuracy: 1 }),
    });
    expect(specs.map((s) => s.indices.length)).toEqual([4, 4, 2, 4, 4, 2]);
    for (const epoch of [0, 1]) {
      const seen = specs.filter((s) => s.epoch === epoch).flatMap((s) => Array.from(s.indices));
      expect(seen).toEqual(Array.from(epochOrder(10, true, 7, epoch)));
      expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    expect(specs[0]!.indices).not.toEqual(specs[3]!.indices); // reshuffled per epoch
    expect(specs.map((s) => s.seed)).toEqual(specs.map((s) => stepSeed(7, s.epoch, s.batch)));
    expect(history.history).toEqual({
      loss: [1.8, 1.8],
      accuracy: [0.5, 0.5],
      val_loss: [0.25, 0.25],
      val_accuracy: [1, 1],
    });
  });

  it('shuffles like @fnn/data permutation(n, seed, epoch) (same generator, same order)', () => {
    // Reference values computed from @fnn/data's permutation(10, 7, 0) and permutation(10, 7, 1).
    expect(Array.from(epochOrder(10, true, 7, 0))).toEqual(PERMUTATION_10_7_0);
    expect(Array.from(epochOrder(5, false, 7, 0))).toEqual([0, 1, 2, 3, 4]);
  });

  it('stops with an error naming the epoch and batch when a step returns a non-finite loss', async () => {
    await expect(
      runTrainingLoop(anyModel(), {
        epochs: 3,
        numSamples: 8,
        batchSize: 2,
        seed: 1,
        verbose: 0,
        logKeys: ['loss'],
        caller: 'trainer.fit',
        trainBatch: (spec) => ({ loss: spec.epoch === 1 && spec.batch === 2 ? Infinity : 1 }),
      }),
    ).rejects.toThrow('trainer.fit: the loss became Infinity at epoch 2/3, batch 3/4; training stopped.');
  });
});

const PERMUTATION_10_7_0 = [7, 8, 0, 3, 1, 2, 4, 6, 5, 9];
