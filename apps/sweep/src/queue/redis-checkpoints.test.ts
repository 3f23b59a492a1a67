import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Packr } from 'msgpackr';
import { hasRedis, TestRedis } from '../../test-support/redis-server.js';
import type { Checkpoint } from '../checkpoint.js';
import { checkpointKeys, decodeCheckpoint, encodeCheckpoint, RedisCheckpointStore } from './redis-checkpoints.js';

const checkpoint: Checkpoint = {
  epoch: 2,
  history: {
    loss: [1, 0.5],
    accuracy: [0.5, 0.8],
    val_loss: [0.9, 0.6],
    val_accuracy: [0.6, 0.7],
    seconds: [1, 1],
    workers: [1, 1],
  },
  weights: [{ name: 'dense/kernel', shape: [2, 2], values: new Float32Array([0.1, -0.2, 0.3, 1e-8]) }],
  optimizer: { className: 'Adam', iterations: 20, slots: { 'dense/kernel': { m: new Float32Array([1, 2, 3, 4]) } } },
};

describe('checkpoints in Redis (msgpackr)', () => {
  it('round-trips weights and optimizer slots bit for bit, as Float32Arrays', () => {
    const back = decodeCheckpoint(encodeCheckpoint(checkpoint), 'k');
    expect(back.weights[0]!.values).toBeInstanceOf(Float32Array);
    expect(back.optimizer!.slots['dense/kernel']!.m).toBeInstanceOf(Float32Array);
    expect(back).toEqual({ ...checkpoint, version: 1 });
  });

  it('copies the arrays when encoding: training may change them right after', () => {
    const values = new Float32Array([1, 2, 3, 4]);
    const bytes = encodeCheckpoint({ ...checkpoint, weights: [{ name: 'w', shape: [4], values }] });
    values.fill(9);
    expect([...decodeCheckpoint(bytes, 'k').weights[0]!.values]).toEqual([1, 2, 3, 4]);
  });

  it('refuses what is not a checkpoint, naming the key', () => {
    const packr = new Packr({ moreTypes: true, useRecords: false });
    expect(() => decodeCheckpoint(Buffer.from('garbage'), 'bull:q:j:checkpoint')).toThrow(/^bull:q:j:checkpoint: /);
    expect(() => decodeCheckpoint(packr.pack({ ...checkpoint, version: 1, epoch: 3 }), 'k')).toThrow(
      'k: expected history.loss with one number per epoch, but got [1, 0.5]',
    );
    expect(() =>
      decodeCheckpoint(
        packr.pack({ ...checkpoint, version: 1, weights: [{ name: 'w', shape: [1], values: [1] }] }),
        'k',
      ),
    ).toThrow('k: expected weights of {name, shape, Float32Array values}, but got "w"');
  });

  it("keeps the checkpoint beside BullMQ's job keys", () => {
    expect(checkpointKeys('bull', 'fnn-sweep', 'abc-wide')).toEqual({
      checkpoint: 'bull:fnn-sweep:abc-wide:checkpoint',
      lock: 'bull:fnn-sweep:abc-wide:lock',
    });
  });
});

describe.skipIf(!hasRedis)('a checkpoint written under the job lock (real redis-server)', () => {
  let server: TestRedis;
  let redis: Redis;
  beforeAll(async () => {
    server = await TestRedis.start();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
  });

  it('is stored while the worker holds the lock; once another holds it, nothing is stored and the loss is reported', async () => {
    const keys = checkpointKeys('bull', 'q', 'job');
    let lost = 0;
    const store = new RedisCheckpointStore(redis, keys, 'token-a', () => lost++);
    await redis.set(keys.lock, 'token-a');
    await store.write(checkpoint);
    expect(await store.read()).toEqual({ ...checkpoint, version: 1 });
    expect(lost).toBe(0);

    // The lock expired and another worker took the job: its checkpoint is not overwritten.
    await redis.set(keys.lock, 'token-b');
    await expect(store.write({ ...checkpoint, epoch: 3, history: checkpoint.history })).rejects.toThrow(
      "the checkpoint after epoch 3 was not stored: this worker no longer holds the job's lock (another worker took the job over)",
    );
    expect(lost).toBe(1);
    expect((await store.read())!.epoch).toBe(2);
    await store.remove();
    expect(await store.read()).toBeNull();
  });
});
