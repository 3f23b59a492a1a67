import { availableParallelism, totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { setBackend, ValueError } from '@fnn/core';
import { classificationData, denseModel } from '../test-support/fixtures.js';
import { workerLimit } from './main-thread/worker-limit.js';
import { DataParallelTrainer } from './index.js';
import { withTestHooks } from './testing.js';

process.env.FNN_QUIET = '1';
await setBackend('wasm');

const GiB = 2 ** 30;

describe('workerLimit', () => {
  it('allows 4 workers per core when memory is plentiful', () => {
    expect(workerLimit({ cores: 2, memoryBytes: 24 * GiB })).toEqual({
      limit: 8,
      reason: "4 per core on this machine's 2 cores",
    });
  });

  it('allows only as many workers as fit in half the memory, at 64 MiB each plus 16 bytes per parameter', () => {
    // 64 cores would allow 256; half of 8 GiB holds 4096 MiB / 64 MiB = 64 bare workers.
    expect(workerLimit({ cores: 64, memoryBytes: 8 * GiB })).toEqual({
      limit: 64,
      reason: "an estimated 64 MiB per worker in 50% of this machine's 8.0 GiB of memory",
    });
    // 100M parameters: 64 MiB + 1.6e9 B = 1.55 GiB per worker (shown as 1.6); half of 24 GiB holds 7.7.
    expect(workerLimit({ cores: 2, memoryBytes: 24 * GiB }, 100_000_000)).toEqual({
      limit: 7,
      reason:
        "an estimated 1.6 GiB per worker with a replica of 100,000,000 parameters in 50% of this machine's 24.0 GiB of memory",
    });
  });

  it('always allows one worker', () => {
    expect(workerLimit({ cores: 1, memoryBytes: GiB }, 1e9).limit).toBe(1);
  });
});

describe('DataParallelTrainer workers bound', () => {
  const { limit } = workerLimit({ cores: availableParallelism(), memoryBytes: totalmem() });

  it.each([1000, limit + 1])(
    'refuses workers: %i before any thread starts, naming the value and the bound',
    (workers) => {
      expect(() => new DataParallelTrainer({ workers, backend: 'wasm' })).toThrow(ValueError);
      expect(() => new DataParallelTrainer({ workers, backend: 'wasm' })).toThrow(
        new RegExp(`^DataParallelTrainer: expected workers to be at most ${limit} \\(.+\\), but got ${workers}\\.$`),
      );
    },
  );

  it('accepts the bound itself and defaults to one worker per core within it', async () => {
    const atLimit = new DataParallelTrainer({ workers: limit, backend: 'wasm' });
    expect(atLimit.workers).toBe(limit);
    expect(atLimit.liveThreads).toBe(0);
    await atLimit.close();
    expect(new DataParallelTrainer().workers).toBe(Math.min(availableParallelism(), limit));
  });

  it('refuses a fit whose replicas would not fit in memory, before any thread starts', async () => {
    // On a machine with 100 MiB of memory, half of it holds no 64 MiB worker: only one is allowed.
    const trainer = new DataParallelTrainer({ workers: 2, backend: 'wasm' });
    const data = classificationData(4);
    const machine = { cores: 2, memoryBytes: 100 * 2 ** 20 };
    await expect(trainer.fit(denseModel(), data.x, data.y, withTestHooks({}, { machine }))).rejects.toThrow(
      new ValueError(
        "DataParallelTrainer.fit: expected workers to be at most 1 for this model (an estimated 64 MiB per worker with a replica of 195 parameters in 50% of this machine's 100 MiB of memory), but the trainer has 2.",
      ),
    );
    expect(trainer.liveThreads).toBe(0);
    await trainer.close();
  });
});
