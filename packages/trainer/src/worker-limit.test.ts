import { availableParallelism, totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { setBackend, ValueError } from '@fnn/core';
import { threadLimit } from '@fnn/common';
import { classificationData, denseModel } from '../test-support/fixtures.js';
import { DataParallelTrainer } from './index.js';
import { withTestHooks } from './testing.js';

process.env.FNN_QUIET = '1';
await setBackend('wasm');

describe('DataParallelTrainer workers bound', () => {
  const { limit } = threadLimit({ cores: availableParallelism(), memoryBytes: totalmem() });

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
