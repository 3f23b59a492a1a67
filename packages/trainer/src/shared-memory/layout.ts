/**
 * The shared memory of one `fit`: allocated by the main thread, handed to every worker once
 * (SharedArrayBuffers stay shared through postMessage), then read and written in place.
 */

/** Slots of the control block (an Int32Array): counters that threads wait on, flags. */
export const Ctrl = {
  /** Workers that finished building their replica. */
  ready: 0,
  /** Set to 1 to release every waiting thread with an abort error. */
  abort: 1,
  /** Set to 1 by the main thread (SIGINT, stopTraining): stop after the step in flight. */
  stopRequest: 2,
  /** Snapshot of stopRequest taken when the last worker reaches the step barrier, so all workers agree. */
  stopDecided: 3,
  /** Step barrier: arrivals and generation. */
  barrierCount: 4,
  barrierGeneration: 5,
  /** Barrier of allReduceSum (synchronized batch norm), among the workers with a non-empty shard. */
  reduceCount: 6,
  reduceGeneration: 7,
  /** Main → workers: a command, its argument, and a sequence number bumped for each new command. */
  command: 8,
  commandArg: 9,
  commandSeq: 10,
  /** Workers → main: the sequence number of the last command completed by every worker. */
  commandDone: 11,
  /** Optimizer steps completed (all workers), bumped once per step. */
  stepsDone: 12,
  /** Steps run in the last epoch command (fewer than planned when it stopped early). */
  epochSteps: 13,
  /** compareExchange'd from 0 to 1 by the first worker that records its failure. */
  failureClaimed: 14,
  /** Length in bytes of the msgpackr-encoded failure record. */
  failureLength: 15,
  /** Main → workers: how many steps (counted over the whole fit) the workers may run. */
  stepGrant: 16,
  /** Workers → main: bumped (and notified) on readiness, completed commands and awaited steps; the main thread waits on it. */
  events: 17,
  /** Main → workers: the stepsDone count at which the main thread wants to be woken. */
  wakeAt: 18,
  /** The optimizer's step count (Keras's `iterations`) when the last command ended. */
  optimizerIterations: 19,
  /** Gradient exchange: workers whose loss of this step is in `stats`, and the next chunk to combine. */
  statsReady: 20,
  chunkNext: 21,
  size: 22,
} as const;

export const Command = { runEpoch: 1, validate: 2, finish: 3 } as const;

/** Bytes reserved for one msgpackr-encoded failure record (message and stack, truncated). */
export const FAILURE_BYTES = 8192;

/** Sizes that fix the layout of the buffers. */
export interface SharedSizes {
  workers: number;
  /** Trainable parameters (gradient length). */
  trainableSize: number;
  /** Non-trainable parameters (batch norm moving statistics). */
  nonTrainableSize: number;
  /** Logged values per shard: loss, then each metric. */
  statsWidth: number;
  /** The most steps in one epoch. */
  maxStepsPerEpoch: number;
  /** Floats per worker slot of allReduceSum (0 without synchronized batch norm). */
  reduceSlotSize: number;
  /** State arrays the optimizer keeps per parameter (Adam: 2, plain SGD: 0). */
  optimizerSlots: number;
  /** Trainable weights (gradient tensors per step). */
  trainableWeights: number;
}

/** What crosses to the workers: plain SharedArrayBuffers (no views, no classes). */
export interface SharedBuffers {
  sizes: SharedSizes;
  control: SharedArrayBuffer;
  /**
   * All weights, trainable then non-trainable. With several workers the trainable part is the
   * one live copy: each worker updates its slice, and replicas on the cpu-like backends compute
   * with it directly.
   */
  params: SharedArrayBuffer;
  /** One gradient slot per worker, [workers × trainableSize]. */
  gradients: SharedArrayBuffer;
  /** The optimizer's state, [optimizerSlots × trainableSize] (see optimizer-slots.ts). */
  optimizerSlots: SharedArrayBuffer;
  /** Per trainable weight, then one for the non-trainable block: workers that published it this step (Int32). */
  published: SharedArrayBuffer;
  /** One slot of non-trainable weights per worker and their average. */
  nonTrainable: SharedArrayBuffer;
  nonTrainableAverage: SharedArrayBuffer;
  /** Per step and worker: [loss, ...metrics] of its shard (means), [maxSteps × workers × statsWidth]. */
  stats: SharedArrayBuffer;
  /** Per worker: sums over its validation samples of [loss, ...metrics], and the sample count. */
  validationStats: SharedArrayBuffer;
  /** allReduceSum: two alternating regions × workers × reduceSlotSize floats, plus a key hash per slot. */
  reduceValues: SharedArrayBuffer;
  reduceKeys: SharedArrayBuffer;
  failure: SharedArrayBuffer;
}

export function allocateShared(sizes: SharedSizes): SharedBuffers {
  const f32 = (n: number) => new SharedArrayBuffer(Math.max(1, n) * 4);
  const f64 = (n: number) => new SharedArrayBuffer(Math.max(1, n) * 8);
  const { workers: w, trainableSize: p, nonTrainableSize: q } = sizes;
  return {
    sizes,
    control: new SharedArrayBuffer(Ctrl.size * 4),
    params: f32(p + q),
    // A single worker applies its own gradients directly: no slots needed.
    gradients: f32(w > 1 ? w * p : 0),
    optimizerSlots: f32(sizes.optimizerSlots * p),
    published: new SharedArrayBuffer(4 * (sizes.trainableWeights + 1)),
    nonTrainable: f32(w > 1 ? w * q : 0),
    nonTrainableAverage: f32(w > 1 ? q : 0),
    stats: f64(sizes.maxStepsPerEpoch * w * sizes.statsWidth),
    validationStats: f64(w * (sizes.statsWidth + 1)),
    reduceValues: f32(2 * w * sizes.reduceSlotSize),
    reduceKeys: new SharedArrayBuffer(2 * w * 8),
    failure: new SharedArrayBuffer(FAILURE_BYTES),
  };
}

/** Typed views of SharedBuffers, built on each side. */
export class SharedViews {
  readonly sizes: SharedSizes;
  readonly control: Int32Array;
  readonly params: Float32Array;
  readonly gradients: Float32Array;
  readonly optimizerSlots: Float32Array;
  readonly published: Int32Array;
  readonly nonTrainable: Float32Array;
  readonly nonTrainableAverage: Float32Array;
  readonly stats: Float64Array;
  readonly validationStats: Float64Array;
  readonly reduceValues: Float32Array;
  /** Per region and worker: [key hash, value count]. */
  readonly reduceKeys: Int32Array;
  readonly failure: Uint8Array;

  constructor(readonly buffers: SharedBuffers) {
    this.sizes = buffers.sizes;
    this.control = new Int32Array(buffers.control);
    this.params = new Float32Array(buffers.params);
    this.gradients = new Float32Array(buffers.gradients);
    this.optimizerSlots = new Float32Array(buffers.optimizerSlots);
    this.published = new Int32Array(buffers.published);
    this.nonTrainable = new Float32Array(buffers.nonTrainable);
    this.nonTrainableAverage = new Float32Array(buffers.nonTrainableAverage);
    this.stats = new Float64Array(buffers.stats);
    this.validationStats = new Float64Array(buffers.validationStats);
    this.reduceValues = new Float32Array(buffers.reduceValues);
    this.reduceKeys = new Int32Array(buffers.reduceKeys);
    this.failure = new Uint8Array(buffers.failure);
  }

  /** Offset in `stats` of [loss, ...metrics] of `worker` at `step` (of the epoch). */
  statsOffset(step: number, worker: number): number {
    return (step * this.sizes.workers + worker) * this.sizes.statsWidth;
  }

  /**
   * Σ over the workers of (shard size × column `column` of its stats at `step`): the batch's
   * sample-weighted sum of a logged value (empty shards weigh 0, whatever their slot holds).
   */
  shardWeightedSum(step: number, shardSizes: readonly number[], column: number): number {
    let sum = 0;
    shardSizes.forEach((size, worker) => {
      if (size > 0) sum += size * this.stats[this.statsOffset(step, worker) + column]!;
    });
    return sum;
  }

  /** Whether the main thread asked the workers to stop after the step in flight. */
  get stopRequested(): boolean {
    return Atomics.load(this.control, Ctrl.stopRequest) === 1;
  }

  /**
   * Counts one more completed step; wakes the main thread only when it waits for this one (it
   * sleeps through free-running epochs rather than taking a core from a worker at every step).
   */
  countStepDone(): void {
    const c = this.control;
    const done = Atomics.add(c, Ctrl.stepsDone, 1) + 1;
    if (done < Atomics.load(c, Ctrl.wakeAt)) return;
    Atomics.add(c, Ctrl.events, 1);
    Atomics.notify(c, Ctrl.events);
  }

  /** Releases every thread waiting on the control block; they throw ReplicaAbortedError. */
  abort(): void {
    Atomics.store(this.control, Ctrl.abort, 1);
    for (const slot of [
      Ctrl.barrierGeneration,
      Ctrl.reduceGeneration,
      Ctrl.commandSeq,
      Ctrl.stepGrant,
      Ctrl.events,
      Ctrl.statsReady,
    ]) {
      Atomics.notify(this.control, slot);
    }
    for (let i = 0; i < this.published.length; i++) Atomics.notify(this.published, i);
  }

  get aborted(): boolean {
    return Atomics.load(this.control, Ctrl.abort) === 1;
  }
}
