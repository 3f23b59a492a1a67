import type { Redis } from 'ioredis';
import { Packr } from 'msgpackr';
import type { Checkpoint } from '../checkpoint.js';
import type { CheckpointStore } from '../checkpoint-store.js';
import { describe } from '../errors.js';

// moreTypes: Float32Arrays come back as Float32Arrays (not plain arrays or bytes).
const packr = new Packr({ moreTypes: true, useRecords: false });

/** An abandoned sweep's checkpoints expire after a week rather than filling Redis forever. */
const TTL_SECONDS = 7 * 24 * 3600;

// Stores the checkpoint only while this worker still holds the job's BullMQ lock: after a stall,
// the worker that took the job over owns its checkpoint, and a late writer must not overwrite it.
const WRITE_IF_LOCKED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1`;

/**
 * The Redis keys of one job: BullMQ's lock, and the checkpoint beside it. An ASHA trial's
 * stretches are jobs of their own that share one checkpoint, kept beside its first job
 * (`runJobId`, the run's job id).
 */
export function checkpointKeys(
  prefix: string,
  queueName: string,
  jobId: string,
  runJobId = jobId,
): { checkpoint: string; lock: string } {
  return { checkpoint: `${prefix}:${queueName}:${runJobId}:checkpoint`, lock: `${prefix}:${queueName}:${jobId}:lock` };
}

/**
 * A run's last finished epoch in Redis, as one msgpackr value (weights, optimizer slots, history,
 * epoch) under `<prefix>:<queue>:<job id>:checkpoint`, so whichever worker takes the job next
 * continues from it. Written with one SET, so a reader sees the previous epoch or the new one.
 */
export class RedisCheckpointStore implements CheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: { checkpoint: string; lock: string },
    /** The BullMQ lock token of the job being processed. */
    private readonly token: string,
    /** Called when a write finds the lock held by another worker, before the write rejects. */
    private readonly onLockLost: () => void = () => {},
  ) {}

  async read(): Promise<Checkpoint | null> {
    const bytes = await this.redis.getBuffer(this.keys.checkpoint);
    return bytes ? decodeCheckpoint(bytes, this.keys.checkpoint) : null;
  }

  async write(checkpoint: Checkpoint): Promise<void> {
    // Encoded before the first await: the arrays change as soon as the next epoch trains.
    const bytes = encodeCheckpoint(checkpoint);
    const stored = await this.redis.eval(
      WRITE_IF_LOCKED,
      2,
      this.keys.lock,
      this.keys.checkpoint,
      this.token,
      bytes,
      TTL_SECONDS,
    );
    if (stored !== 1) {
      this.onLockLost();
      throw new Error(
        `the checkpoint after epoch ${checkpoint.epoch} was not stored: this worker no longer holds the job's lock (another worker took the job over)`,
      );
    }
  }

  async remove(): Promise<void> {
    await this.redis.del(this.keys.checkpoint);
  }
}

export function encodeCheckpoint(checkpoint: Checkpoint): Buffer {
  return Buffer.from(packr.pack({ version: 1, ...checkpoint }));
}

/** Reads a stored checkpoint back, checking its shape: it comes from the network. */
export function decodeCheckpoint(bytes: Uint8Array, where: string): Checkpoint {
  let value: Record<string, unknown>;
  try {
    value = packr.unpack(bytes) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${where}: not a msgpack checkpoint (${(error as Error).message})`);
  }
  const fail = (what: string, got: unknown): never => {
    throw new Error(`${where}: expected ${what}, but got ${describe(got)}`);
  };
  if (value === null || typeof value !== 'object' || value.version !== 1)
    fail('a version 1 checkpoint', value?.version);
  if (!Number.isInteger(value.epoch) || (value.epoch as number) < 1) fail('epoch ≥ 1', value.epoch);
  const history = value.history as Record<string, unknown>;
  for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'seconds'])
    if (!Array.isArray(history?.[key]) || (history[key] as unknown[]).length !== value.epoch)
      fail(`history.${key} with one number per epoch`, history?.[key]);
  const weights = value.weights as Checkpoint['weights'];
  if (!Array.isArray(weights)) fail('a list of weights', weights);
  for (const w of weights) {
    if (typeof w?.name !== 'string' || !(w.values instanceof Float32Array) || !Array.isArray(w.shape))
      fail('weights of {name, shape, Float32Array values}', w?.name);
  }
  const optimizer = value.optimizer as Checkpoint['optimizer'];
  if (optimizer !== null) {
    if (typeof optimizer?.className !== 'string' || !Number.isInteger(optimizer.iterations))
      fail('an optimizer state {className, iterations, slots}', optimizer);
    for (const slots of Object.values(optimizer!.slots ?? {}))
      for (const values of Object.values(slots))
        if (!(values instanceof Float32Array)) fail('Float32Array optimizer slots', typeof values);
  }
  return value as unknown as Checkpoint;
}
