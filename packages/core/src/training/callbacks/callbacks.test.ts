import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, type Tensor } from '../../tf.js';
import { setBackend } from '../../backend.js';
import { resetNames } from '../../naming.js';
import { layers } from '../../layers/index.js';
import { sequential } from '../../models/sequential.js';
import type { LayersModel } from '../../models/model.js';
import { initializers } from '../../initializers/index.js';
import { randomNormalTensor } from '../../testing/compare.js';
import { runTrainingLoop } from '../training-loop.js';
import type { Logs } from '../train-step.js';
import { callbacks, EarlyStopping } from './index.js';
import { formatPath } from './model-checkpoint.js';

let dir: string;
beforeAll(async () => {
  await setBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'fnn-callbacks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(): LayersModel {
  resetNames();
  const m = sequential([
    layers.dense({ units: 2, inputShape: [3], kernelInitializer: initializers.glorotUniform({ seed: 5 }) }),
  ]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

function snapshot(m: LayersModel): number[][] {
  return m.weights.map((w) => Array.from(w.read().dataSync()));
}

/**
 * Drives the generic loop with a scripted validation loss per epoch; each "training step" adds
 * 1 to every weight, so the weights tell which epoch they come from.
 */
async function scripted(m: LayersModel, valLosses: number[], cbs: unknown[]) {
  const seen: number[][][] = [];
  let epochOfValidation = 0;
  const history = await runTrainingLoop(m, {
    epochs: valLosses.length,
    numSamples: 4,
    batchSize: 4,
    seed: 1,
    verbose: 0,
    logKeys: ['loss'],
    callbacks: [...(cbs as never[]), { onEpochEnd: () => void seen.push(snapshot(m)) }],
    trainBatch: () => {
      for (const w of m.weights) {
        const next = tf.add(w.read(), 1);
        w.write(next);
        next.dispose();
      }
      return { loss: 1 };
    },
    validate: () => ({ loss: valLosses[epochOfValidation++]! }),
  });
  return { history, seen };
}

describe('earlyStopping', () => {
  it('stops after `patience` epochs without improvement and restores the best weights', async () => {
    const m = model();
    const stopper = callbacks.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const { history, seen } = await scripted(m, [1.0, 0.5, 0.6, 0.55, 0.4, 0.3], [stopper]);
    // Best at epoch 1 (0.5); epochs 2 and 3 do not improve → stop after epoch 3.
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    expect(stopper.stoppedEpoch).toBe(3);
    expect(stopper.bestEpoch).toBe(1);
    expect(snapshot(m)).toEqual(seen[1]);
    m.dispose();
  });

  it('restores the best weights also when training ends without stopping early', async () => {
    const m = model();
    const stopper = callbacks.earlyStopping({ patience: 10, restoreBestWeights: true });
    const { history, seen } = await scripted(m, [1.0, 0.2, 0.6, 0.7], [stopper]);
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    expect(stopper.stoppedEpoch).toBe(-1);
    expect(snapshot(m)).toEqual(seen[1]);
    m.dispose();
  });

  it('keeps the last weights without restoreBestWeights, honours minDelta and mode max', async () => {
    const m = model();
    // Improvements smaller than minDelta do not count: 0.5 → 0.45 is not one with minDelta 0.1.
    const stopper = new EarlyStopping({ patience: 1, minDelta: 0.1 });
    const { history, seen } = await scripted(m, [0.5, 0.45, 0.44], [stopper]);
    expect(history.epoch).toEqual([0, 1]);
    expect(snapshot(m)).toEqual(seen[1]);
    const max = new EarlyStopping({ monitor: 'val_accuracy' });
    expect(max.mode).toBe('max');
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(
      'earlyStopping: expected patience to be a non-negative integer, but got -1.',
    );
    m.dispose();
  });

  it('stops a real fit (model.stopTraining) and leaves no tensors behind', async () => {
    const m = model();
    const x = randomNormalTensor([8, 3], 1);
    const y = randomNormalTensor([8, 2], 2);
    const before = tf.memory().numTensors;
    const h = await m.fit(x, y, {
      epochs: 20,
      batchSize: 4,
      validationData: [x, y],
      verbose: 0,
      callbacks: [callbacks.earlyStopping({ monitor: 'loss', patience: 0, minDelta: 10, restoreBestWeights: true })],
    });
    expect(h.epoch).toEqual([0, 1]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    m.dispose();
  });
});

describe('modelCheckpoint', () => {
  it('formats paths like Keras ({epoch:02d}, {val_loss:.2f})', () => {
    expect(formatPath('ckpt/e{epoch:02d}-{val_loss:.2f}', 2, { val_loss: 0.12345 })).toBe('ckpt/e03-0.12');
    expect(formatPath('ckpt/{epoch}', 9, {})).toBe('ckpt/10');
    expect(() => formatPath('ckpt/{val_acc:.2f}', 0, { loss: 1 })).toThrow(
      'modelCheckpoint: the path "ckpt/{val_acc:.2f}" uses {val_acc}, which is not in the logs (loss, epoch).',
    );
  });

  // model.save comes from src/io/save.ts (another engineer's work); skip with a reason until it writes files.
  const saveIsReal = !/not implemented yet/.test(readFileSync(new URL('../../io/save.ts', import.meta.url), 'utf8'));
  it.skipIf(!saveIsReal)(
    'writes a loadable model.json + weights.bin every epoch, or only on improvement with saveBestOnly',
    async () => {
      const m = model();
      const every = callbacks.modelCheckpoint({ path: `file://${dir}/every/epoch-{epoch:02d}` });
      const best = callbacks.modelCheckpoint({
        path: `file://${dir}/best/epoch-{epoch}`,
        saveBestOnly: true,
        monitor: 'val_loss',
      });
      await scripted(m, [1.0, 0.5, 0.7, 0.4], [every, best]);
      expect(readdirSync(join(dir, 'every')).sort()).toEqual(['epoch-01', 'epoch-02', 'epoch-03', 'epoch-04']);
      expect(readdirSync(join(dir, 'best')).sort()).toEqual(['epoch-1', 'epoch-2', 'epoch-4']);
      expect(existsSync(join(dir, 'every', 'epoch-04', 'weights.bin'))).toBe(true);
      const json = JSON.parse(readFileSync(join(dir, 'best', 'epoch-4', 'model.json'), 'utf8')) as {
        modelTopology: unknown;
        weightsManifest: unknown;
      };
      expect(json.modelTopology).toBeDefined();
      expect(json.weightsManifest).toBeDefined();
      // The weights saved at epoch 4 are the weights after 4 steps of +1.
      const weights = new Float32Array(
        Uint8Array.from(readFileSync(join(dir, 'best', 'epoch-4', 'weights.bin'))).buffer,
      );
      const expected = snapshot(m).flat();
      expect(Array.from(weights)).toEqual(expected.map((v) => Math.fround(v)));
      m.dispose();
    },
  );
});

describe('callback hooks', () => {
  it('are called in Keras order with epoch and batch indices, awaiting promises', async () => {
    const m = model();
    const calls: string[] = [];
    const x = randomNormalTensor([5, 3], 3);
    const y = randomNormalTensor([5, 2], 4);
    await m.fit(x, y, {
      epochs: 2,
      batchSize: 3,
      verbose: 0,
      initialEpoch: 0,
      callbacks: {
        onTrainBegin: () => void calls.push('trainBegin'),
        onEpochBegin: (e) => void calls.push(`epochBegin ${e}`),
        onBatchBegin: (b) => void calls.push(`batchBegin ${b}`),
        onBatchEnd: async (b, logs?: Logs) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          calls.push(`batchEnd ${b} ${Object.keys(logs!).join(',')}`);
        },
        onEpochEnd: (e, logs?: Logs) => void calls.push(`epochEnd ${e} ${Object.keys(logs!).join(',')}`),
        onTrainEnd: () => void calls.push('trainEnd'),
      },
    });
    expect(calls).toEqual([
      'trainBegin',
      'epochBegin 0',
      'batchBegin 0',
      'batchEnd 0 loss',
      'batchBegin 1',
      'batchEnd 1 loss',
      'epochEnd 0 loss',
      'epochBegin 1',
      'batchBegin 0',
      'batchEnd 0 loss',
      'batchBegin 1',
      'batchEnd 1 loss',
      'epochEnd 1 loss',
      'trainEnd',
    ]);
    tf.dispose([x, y] as Tensor[]);
    m.dispose();
  });

  it('initialEpoch resumes: History lists only the epochs run', async () => {
    const m = model();
    const x = randomNormalTensor([4, 3], 5);
    const y = randomNormalTensor([4, 2], 6);
    const h = await m.fit(x, y, { epochs: 5, initialEpoch: 3, verbose: 0 });
    expect(h.epoch).toEqual([3, 4]);
    expect(h.history.loss!.length).toBe(2);
    tf.dispose([x, y]);
    m.dispose();
  });
});
