import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@fnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '@fnn/data';
import type { RunProgress } from './executor.js';
import { LocalExecutor } from './local-executor.js';
import { defaultRuns, type RunConfig } from './run-config.js';
import type { FitEngine, FitHooks, FitRequest } from './run-task.js';
import type { SweepData } from './sweep-data.js';

/** An engine whose epochs take 40 ms on one worker and `scaling(workers)` times less on more; logs are fixed. */
class FakeEngine implements FitEngine {
  readonly backend = 'fake';
  fits: { runId: string; initialEpoch: number }[] = [];
  closed = false;
  constructor(
    readonly workers: number,
    private readonly scaling: (workers: number) => number = (w) => w * w,
  ) {}
  async fit(request: FitRequest, hooks: FitHooks): Promise<void> {
    this.fits.push({ runId: request.runId, initialEpoch: request.initialEpoch });
    for (let epoch = request.initialEpoch; epoch < request.epochs; epoch++) {
      hooks.onEpochBegin(epoch);
      await new Promise((r) => setTimeout(r, 40 / this.scaling(this.workers)));
      if (hooks.onEpochEnd(epoch, { loss: 0.1, accuracy: 0.9, val_loss: 0.1, val_accuracy: 0.9 })) return;
    }
  }
  snapshot() {
    return { weights: [], optimizer: null };
  }
  restore() {}
  async close() {
    this.closed = true;
  }
}

describe('LocalExecutor', () => {
  beforeAll(async () => {
    await setBackend('wasm');
  });

  // The run task builds real models and evaluates them: tiny data in the shape the builder expects.
  const data = (() => {
    const size = 4;
    const ds = {
      size,
      featureSize: 784,
      labelSize: 10,
      toTensors: (tf: { tensor2d: (v: Float32Array, s: [number, number]) => unknown }) => {
        const y = new Float32Array(size * 10);
        for (let i = 0; i < size; i++) y[i * 10 + (i % 10)] = 1;
        return { x: tf.tensor2d(new Float32Array(size * 784), [size, 784]), y: tf.tensor2d(y, [size, 10]) };
      },
    } as unknown as Dataset;
    return { train: ds, validation: ds, test: ds, inputSize: 784, classes: 10, source: 'fake' } as SweepData;
  })();

  it('gives the cores of a slot that ran out of runs to the longest run, from its next epoch', async () => {
    const engines: FakeEngine[] = [];
    const executor = new LocalExecutor({
      data,
      saveModels: false,
      workersPerRun: 1,
      elastic: true,
      minSecondsToGrow: 0.5,
      description: 'fake',
      createEngine: async (workers) => {
        const engine = new FakeEngine(workers);
        engines.push(engine);
        return engine;
      },
    });
    const [wide] = defaultRuns();
    const long: RunConfig = { ...wide!, id: 'long', configId: 'long', epochs: 30 };
    const notes: string[] = [];
    const context = (id: string) => ({
      checkpointDir: join(mkdtempSync(join(tmpdir(), 'fnn-elastic-')), id),
      signal: new AbortController().signal,
      onProgress: (p: RunProgress) => p.note && notes.push(p.note),
    });
    const running = executor.run(long, context('long'));
    // The other slot finds nothing left to run.
    executor.releaseSlot();
    const result = await running;
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('finished');
    // Epoch 1 ends with 29 epochs (≥ 1.16 s) left: the run continues on 2 workers from epoch 2.
    expect(result.history.workers).toEqual([1, ...Array(29).fill(2)]);
    expect(result.workers).toBe(2);
    expect(notes).toContain('continues on 2 worker(s) (was 1) from epoch 2: cores freed up');
    expect(engines.map((e) => [e.workers, e.fits])).toEqual([
      [1, [{ runId: 'long', initialEpoch: 0 }]],
      [2, [{ runId: 'long', initialEpoch: 1 }]],
    ]);
    // A finished run's engines go back to the pool: the next run reuses the 1-worker engine.
    await executor.run({ ...long, id: 'next', epochs: 1 }, context('next'));
    expect(engines).toHaveLength(2);
    await executor.close();
    expect(engines.every((e) => e.closed)).toBe(true);
  });

  it('keeps the workers when the remainder is short, when elastic is off, or before any slot is free', async () => {
    const make = (elastic: boolean) =>
      new LocalExecutor({
        data,
        saveModels: false,
        workersPerRun: 1,
        elastic,
        minSecondsToGrow: 0.5,
        description: 'fake',
        createEngine: async (w) => new FakeEngine(w),
      });
    const [wide] = defaultRuns();
    const ctx = () => ({
      checkpointDir: mkdtempSync(join(tmpdir(), 'fnn-elastic-')),
      signal: new AbortController().signal,
      onProgress: () => {},
    });
    // 4 epochs (~0.16 s) left after the first: not worth new threads.
    const short = make(true);
    short.releaseSlot();
    expect((await short.run({ ...wide!, epochs: 5 }, ctx())).history.workers).toEqual([1, 1, 1, 1, 1]);
    const off = make(false);
    off.releaseSlot();
    expect((await off.run({ ...wide!, epochs: 10 }, ctx())).history.workers).toEqual(Array(10).fill(1));
    const busy = make(true);
    expect((await busy.run({ ...wide!, epochs: 10 }, ctx())).history.workers).toEqual(Array(10).fill(1));
  });

  it('moves a grown run back to its slot’s workers when more workers were not faster', async () => {
    const executor = new LocalExecutor({
      data,
      saveModels: false,
      workersPerRun: 1,
      elastic: true,
      minSecondsToGrow: 0.5,
      description: 'fake',
      createEngine: async (w) => new FakeEngine(w, (workers) => 1 / workers), // 2 workers: twice as slow
    });
    const [wide] = defaultRuns();
    const notes: string[] = [];
    executor.releaseSlot();
    const result = await executor.run(
      { ...wide!, epochs: 30 },
      {
        checkpointDir: mkdtempSync(join(tmpdir(), 'fnn-elastic-')),
        signal: new AbortController().signal,
        onProgress: (p) => p.note && notes.push(p.note),
      },
    );
    expect(result.history.workers).toEqual([1, 2, ...Array(28).fill(1)]);
    expect(notes).toContain('continues on 1 worker(s) (was 2) from epoch 3: 2 workers were not faster');
    await executor.close();
  });
});
