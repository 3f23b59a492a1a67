import { afterAll, describe, expect, it } from 'vitest';
import { initializers, layers, resetNames, SeededRandom, sequential, setBackend, type LayersModel } from '@fnn/core';
import { Dataset } from '@fnn/data';
import { InProcessEngine, TrainerEngine } from './engines.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import type { EpochLogs, FitEngine, FitHooks } from './fit-engine.js';

process.env.FNN_QUIET = '1';
await setBackend('wasm');

/** 120 samples of 6 normal features, 3 classes by a linear rule. */
function dataset(n: number, seed: number): Dataset {
  const random = new SeededRandom(seed);
  const x = new Float32Array(n * 6);
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    let score = 0;
    for (let j = 0; j < 6; j++) {
      const value = random.normal();
      x[i * 6 + j] = value;
      score += (j % 2 ? 1 : -0.7) * value;
    }
    y[i * 3 + (score < -0.4 ? 0 : score < 0.4 ? 1 : 2)] = 1;
  }
  return Dataset.fromArrays({ x, y, featureShape: [6], labelShape: [3] });
}

function freshModel(): LayersModel {
  resetNames();
  const model = sequential([
    layers.dense({
      units: 12,
      activation: 'relu',
      inputShape: [6],
      kernelInitializer: initializers.glorotUniform({ seed: 3 }),
    }),
    layers.dense({ units: 3, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: 4 }) }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

const train = dataset(120, 1);
const validation = dataset(30, 2);

function hooks(onEpochEnd: (epoch: number, logs: EpochLogs) => boolean = () => false): FitHooks {
  return { onEpochBegin: () => undefined, onBatchEnd: () => undefined, onEpochEnd };
}

async function fit(engine: FitEngine, model: LayersModel, initialEpoch: number, h: FitHooks): Promise<void> {
  await engine.fit({ runId: 'r', model, train, validation, epochs: 3, initialEpoch, batchSize: 16, seed: 7 }, h);
}

describe.each([
  ['in-process model.fit', () => InProcessEngine.create('wasm')],
  ['the data-parallel trainer (2 workers)', () => TrainerEngine.create(2, 'wasm', 'wasm')],
])('a run on %s, stopped after epoch 1 and resumed from its checkpoint', (_name, create) => {
  let engine: FitEngine;
  afterAll(() => engine?.close());

  it('ends with the weights and losses of the run that was never stopped (weights and Adam state both restored)', async () => {
    engine = await create();
    const whole = freshModel();
    const wholeLosses: number[] = [];
    await fit(
      engine,
      whole,
      0,
      hooks((_, logs) => void wholeLosses.push(logs.loss) ?? false),
    );

    const first = freshModel();
    let checkpoint: Checkpoint | undefined;
    const losses: number[] = [];
    await fit(
      engine,
      first,
      0,
      hooks((epoch, logs) => {
        losses.push(logs.loss);
        const dir = mkdtempSync(join(tmpdir(), 'fnn-engine-'));
        writeCheckpoint(dir, {
          epoch: epoch + 1,
          // One epoch's history: checkpoints are checked to hold as many epochs as they claim.
          history: {
            loss: [logs.loss],
            accuracy: [logs.loss],
            val_loss: [logs.loss],
            val_accuracy: [logs.loss],
            seconds: [0],
            workers: [1],
          },
          ...engine.snapshot(first),
        });
        checkpoint = readCheckpoint(dir)!;
        return true;
      }),
    );
    expect(checkpoint!.optimizer?.iterations).toBe(8);
    const resumed = freshModel();
    engine.restore(resumed, checkpoint!);
    await fit(
      engine,
      resumed,
      1,
      hooks((_, logs) => void losses.push(logs.loss) ?? false),
    );

    expect(losses).toHaveLength(3);
    losses.forEach((loss, i) => {
      expect(Math.abs(loss - wholeLosses[i]!)).toBeLessThan(1e-6);
    });
    const a = whole.getWeights().map((t) => Array.from(t.dataSync()));
    const b = resumed.getWeights().map((t) => Array.from(t.dataSync()));
    a.forEach((values, i) => {
      values.forEach((v, j) => {
        expect(Math.abs(v - b[i]![j]!)).toBeLessThan(1e-6);
      });
    });
  });
});
