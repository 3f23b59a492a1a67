import { describe, expect, it } from 'vitest';
import { RuntimeError, setBackend, ValueError, type Tensor } from '@fnn/core';
import { Dataset } from '@fnn/data';
import { classificationData, denseModel } from '../test-support/fixtures.js';
import { DataParallelTrainer, TrainingInterruptedError, WorkerFailedError } from './index.js';
import { withTestHooks } from './testing.js';

process.env.FNN_QUIET = '1';
await setBackend('wasm');
const data = classificationData(96);

/** Runs a fit whose worker 1 fails before step 3; returns the error and how long after the last completed step it came. */
async function failingFit(
  kind: 'throw' | 'exit' | 'oom',
  trainer: DataParallelTrainer,
): Promise<{ error: unknown; latencyMs: number }> {
  let lastStep = performance.now();
  const callbacks = {
    onBatchEnd: () => {
      lastStep = performance.now();
    },
  };
  try {
    await trainer.fit(
      denseModel(),
      data.x,
      data.y,
      withTestHooks(
        { epochs: 2, batchSize: 16, seed: 1, verbose: 0, callbacks },
        { faultInjection: { worker: 1, atStep: 3, kind } },
      ),
    );
  } catch (error) {
    return { error, latencyMs: performance.now() - lastStep };
  }
  throw new Error('fit resolved although a worker failed');
}

describe('DataParallelTrainer faults', () => {
  it('rejects within 5 s naming the worker and its error when a worker throws, and shuts every thread down', async () => {
    const trainer = new DataParallelTrainer({ workers: 2, backend: 'wasm' });
    const { error, latencyMs } = await failingFit('throw', trainer);
    expect(error).toBeInstanceOf(WorkerFailedError);
    expect((error as WorkerFailedError).workerIndex).toBe(1);
    expect((error as Error).message).toBe('DataParallelTrainer: worker 1 failed: Error: injected fault at step 3');
    expect(latencyMs).toBeLessThan(5000);
    expect(trainer.liveThreads).toBe(0);
    // The trainer starts fresh threads for the next fit.
    const history = await trainer.fit(denseModel(), data.x, data.y, { epochs: 1, batchSize: 32, seed: 1, verbose: 0 });
    expect(history.epoch).toEqual([0]);
    await trainer.close();
    expect(trainer.liveThreads).toBe(0);
  });

  it('rejects within 5 s when a worker calls process.exit', async () => {
    const trainer = new DataParallelTrainer({ workers: 3, backend: 'wasm' });
    const { error, latencyMs } = await failingFit('exit', trainer);
    expect(error).toBeInstanceOf(WorkerFailedError);
    expect((error as WorkerFailedError).workerIndex).toBe(1);
    expect((error as Error).message).toMatch(/^DataParallelTrainer: worker 1 failed: the thread exited with code 3/);
    expect(latencyMs).toBeLessThan(5000);
    expect(trainer.liveThreads).toBe(0);
    await trainer.close();
  });

  it('rejects when a worker runs out of memory', async () => {
    const trainer = new DataParallelTrainer({
      workers: 2,
      backend: 'wasm',
      resourceLimits: { maxOldGenerationSizeMb: 48 },
    });
    const { error } = await failingFit('oom', trainer);
    expect(error).toBeInstanceOf(WorkerFailedError);
    expect((error as WorkerFailedError).workerIndex).toBe(1);
    expect((error as Error).message).toMatch(/worker 1 failed: ran out of memory/);
    expect(trainer.liveThreads).toBe(0);
    await trainer.close();
  });

  it('stops after the step in flight on SIGINT, keeps the weights reached and rejects with TrainingInterruptedError', async () => {
    const trainer = new DataParallelTrainer({ workers: 2, backend: 'wasm' });
    const listeners = process.listenerCount('SIGINT');
    const model = denseModel();
    const callbacks = {
      // A real signal; the callback waits until it has been delivered, so no further step starts before.
      onBatchEnd: (batch: number) => {
        if (batch !== 2) return undefined;
        const delivered = new Promise((resolve) => process.once('SIGINT', resolve));
        process.kill(process.pid, 'SIGINT');
        return delivered.then(() => undefined);
      },
    };
    const error = await trainer
      .fit(
        model,
        data.x,
        data.y,
        withTestHooks({ epochs: 3, batchSize: 16, seed: 1, verbose: 0, callbacks }, { collectReplicaWeights: true }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingInterruptedError);
    expect((error as TrainingInterruptedError).stepsCompleted).toBe(3);
    expect((error as Error).message).toMatch(/interrupted by SIGINT in epoch 1 after 3 step\(s\)/);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
    // The model holds the weights of those 3 steps: the same as a fit stopped there by a callback.
    const reference = denseModel();
    const stop = {
      onBatchEnd: (batch: number) => {
        if (batch === 2) reference.stopTraining = true;
      },
    };
    await trainer.fit(reference, data.x, data.y, { epochs: 3, batchSize: 16, seed: 1, verbose: 0, callbacks: stop });
    const a = model.getWeights();
    const b = reference.getWeights();
    a.forEach((t, i) => {
      expect(Array.from(t.dataSync())).toEqual(Array.from(b[i]!.dataSync()));
    });
    await trainer.close();
    await trainer.close(); // idempotent
    await expect(trainer.fit(model, data.x, data.y)).rejects.toThrow(/the trainer is closed/);
  });
});

describe('DataParallelTrainer options', () => {
  it.each([
    [{ workers: 0 }, 'expected workers to be an integer >= 1, but got 0'],
    [{ workers: -2 }, 'expected workers to be an integer >= 1, but got -2'],
    [{ workers: 1.5 }, 'expected workers to be an integer >= 1, but got 1.5'],
    [{ backend: 'gpu' }, 'expected backend to be one of auto, wasm, cpu, tensorflow, native, but got "gpu"'],
    [{ syncBatchNorm: 'yes' }, 'expected syncBatchNorm to be a boolean, but got "yes"'],
  ])('rejects %j', (options, message) => {
    expect(() => new DataParallelTrainer(options as never)).toThrow(new ValueError(`DataParallelTrainer: ${message}.`));
  });

  it('rejects invalid fit arguments before any thread starts', async () => {
    const trainer = new DataParallelTrainer({ workers: 2, backend: 'wasm' });
    const model = denseModel();
    const fit = (args: object, x: Tensor | Dataset = data.x, y: Tensor | undefined = data.y, m = model) =>
      trainer.fit(m, x, y, args);
    await expect(fit({ batchSize: 0 })).rejects.toThrow(
      new ValueError('DataParallelTrainer.fit: expected batchSize to be a positive integer, but got 0.'),
    );
    await expect(fit({ epochs: 2.5 })).rejects.toThrow('expected epochs to be a positive integer, but got 2.5');
    await expect(fit({ seed: -1 })).rejects.toThrow('expected seed to be an integer in [0, 2^32), but got -1');
    await expect(fit({ verbose: 3 })).rejects.toThrow('expected verbose to be 0, 1 or 2, but got 3');
    const uncompiled = denseModel();
    uncompiled.compiled = undefined;
    await expect(fit({}, data.x, data.y, uncompiled)).rejects.toThrow(RuntimeError);
    await expect(fit({}, data.x, data.y, uncompiled)).rejects.toThrow(/must be compiled first/);
    const fewer = classificationData(10);
    await expect(fit({}, data.x, fewer.y)).rejects.toThrow(/x and y must have the same number of samples/);
    await expect(trainer.fit(model, data.x, undefined, {})).rejects.toThrow(
      'expected x labels y (tensors) with x given as tensors, but got undefined.',
    );
    const dataset = Dataset.fromArrays({
      x: new Float32Array(40),
      y: new Float32Array(10),
      featureShape: [4],
      labelShape: [1],
    });
    await expect(trainer.fit(model, dataset, undefined, {})).rejects.toThrow(
      'expected x features of shape (None, 8), but got (None, 4)',
    );
    await expect(fit(withTestHooks({}, { faultInjection: { worker: 5, atStep: 0, kind: 'throw' } }))).rejects.toThrow(
      'expected faultInjection.worker in [0, 1], but got 5',
    );
    expect(trainer.liveThreads).toBe(0);
    await trainer.close();
  });
});
