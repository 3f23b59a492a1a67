import { weightedSum, type Optimizer } from '@fnn/core';
import { awaitCount } from '../shared-memory/wait.js';
import { Ctrl, type SharedViews } from '../shared-memory/layout.js';
import type { WeightLayout } from '../weight-layout.js';
import type { StepTimer } from './step-timer.js';

/** Floats per unit of averaging work: small enough to share out evenly, large enough to stream. */
const CHUNK = 32 * 1024;
/** Chunk bounds fall on 64-byte boundaries, so no two workers write one cache line. */
const ALIGN = 16;

/** One unit of averaging work: a range of one weight's values (or of the non-trainable block). */
interface Chunk {
  /** Index of the weight in layout.trainable, or -1 for the non-trainable weights. */
  weight: number;
  lo: number;
  hi: number;
}

export interface GradientExchangeOptions {
  shared: SharedViews;
  layout: WeightLayout;
  /** The replica's optimizer: its `updateArrays` applies a chunk's averaged gradient. */
  optimizer: Optimizer;
  /** This worker's index. */
  worker: number;
  timeoutMs: number;
  /** How long to spin before blocking while waiting for the other workers. */
  spinMs: number;
  /** The replica's timer: copies and sums count as exchangeMs, waits as waitMs, updates as applyMs. */
  timer: StepTimer;
}

/**
 * The gradient exchange of one worker in one synchronous step, overlapped with the backward
 * pass. Each worker copies every weight's gradient into its slot of shared memory as soon as
 * the backward pass has it (`publishWeight`), then takes chunks of the parameter vector from a
 * shared counter (`averageAndApply`): for each, once every worker has published that weight, it sums
 * the shards' gradients (weighted by shard size, in worker order) and applies the optimizer to
 * that range of the shared parameters and optimizer state. The last layers' gradients come
 * first, so a worker that finishes its backward pass early averages them while the other still
 * runs; the result is the same whichever worker takes a chunk.
 */
export class GradientExchange {
  private readonly chunks: Chunk[] = [];
  private readonly scratch: Float32Array;
  private readonly slotsByChunk: Float32Array[][];
  private readonly published: Int32Array;
  /** This worker's slot of shared memory for each trainable weight's gradient. */
  private readonly slots: Float32Array[];
  private counts: number[] = [];
  private active = 0;
  /** This step: weights whose slot was offered to the backward pass, and weights published. */
  private readonly offered: boolean[];
  private readonly sent: boolean[];

  private readonly shared: SharedViews;
  private readonly layout: WeightLayout;
  private readonly optimizer: Optimizer;
  private readonly worker: number;
  private readonly timeoutMs: number;
  private readonly spinMs: number;
  private readonly timer: StepTimer;
  /** The step in flight: its index in the epoch. */
  private step = 0;

  constructor({ shared, layout, optimizer, worker, timeoutMs, spinMs, timer }: GradientExchangeOptions) {
    this.shared = shared;
    this.layout = layout;
    this.optimizer = optimizer;
    this.worker = worker;
    this.timeoutMs = timeoutMs;
    this.spinMs = spinMs;
    this.timer = timer;
    this.published = shared.published;
    this.offered = layout.trainable.map(() => false);
    this.sent = layout.trainable.map(() => false);
    this.slots = layout.trainable.map((w) =>
      shared.gradients.subarray(
        worker * layout.trainableSize + w.offset,
        worker * layout.trainableSize + w.offset + w.size,
      ),
    );
    const split = (weight: number, start: number, end: number) => {
      for (let lo = start; lo < end; ) {
        const hi = Math.min(end, Math.ceil((lo + CHUNK) / ALIGN) * ALIGN);
        this.chunks.push({ weight, lo, hi });
        lo = hi;
      }
    };
    // Backward order: the last weights' gradients are ready first.
    for (let i = layout.trainable.length - 1; i >= 0; i--) {
      const slot = layout.trainable[i]!;
      split(i, slot.offset, slot.offset + slot.size);
    }
    split(-1, 0, layout.nonTrainableSize);
    this.scratch = new Float32Array(CHUNK + ALIGN);
    const size = layout.trainableSize;
    this.slotsByChunk = this.chunks.map((c) =>
      optimizer.slotNames.map((_, s) => shared.optimizerSlots.subarray(s * size + c.lo, s * size + c.hi)),
    );
  }

  /** Step `step` of the epoch begins, with these shard sizes (worker order); workers with an empty shard publish nothing. */
  beginStep(step: number, counts: number[]): void {
    this.step = step;
    this.counts = counts;
    this.active = counts.filter((n) => n > 0).length;
    this.offered.fill(false);
    this.sent.fill(false);
  }

  /** This worker's loss and metrics for the step are in shared memory. */
  publishStats(): void {
    Atomics.add(this.shared.control, Ctrl.statsReady, 1);
    Atomics.notify(this.shared.control, Ctrl.statsReady);
  }

  /**
   * Where the backward pass may write trainable weight `index`'s gradient (CallContext.
   * gradientOutput), saving the copy: this worker's slot, offered once per step (a layer called
   * twice writes its first call there; the sum then arrives as a tensor of its own).
   */
  gradientOutput(index: number): Float32Array | undefined {
    if (this.offered[index]) return undefined;
    this.offered[index] = true;
    return this.slots[index];
  }

  /** Puts trainable weight `index`'s gradient into this worker's slot (unless it is there already) and announces it. */
  publishWeight(index: number, gradient: Float32Array): void {
    this.timer.measure('exchangeMs', () => {
      const slot = this.slots[index]!;
      if (gradient.buffer !== slot.buffer || gradient.byteOffset !== slot.byteOffset) slot.set(gradient);
      this.sent[index] = true;
      this.announce(index);
    });
  }

  /** Publishes the weights the backward pass did not (those the outputs do not depend on get zero gradients). */
  publishRest(gradient: (index: number) => Float32Array): void {
    this.sent.forEach((sent, i) => {
      if (!sent) this.publishWeight(i, gradient(i));
    });
  }

  /** Announces this worker's non-trainable weights (already copied into its slot). */
  publishNonTrainable(): void {
    this.announce(this.layout.trainable.length);
  }

  /**
   * Waits for every worker's loss; unless the batch loss is not finite (then returns false and
   * nothing is applied, as every worker decides alike), takes chunks until none are left: for
   * each, the shard-size weighted average of the workers' gradients, then optimizer step
   * `iteration` on that range of the shared parameters and optimizer state.
   */
  averageAndApply(iteration: number): boolean {
    const { control } = this.shared;
    this.timer.measure('waitMs', () =>
      awaitCount({
        control,
        counters: control,
        index: Ctrl.statsReady,
        target: this.active,
        spinMs: this.spinMs,
        timeoutMs: this.timeoutMs,
        what: `worker ${this.worker}: waiting for the other workers' losses`,
      }),
    );
    if (!Number.isFinite(this.shared.shardWeightedSum(this.step, this.counts, 0))) return false;
    const total = this.counts.reduce((a, b) => a + b, 0);
    const shards = this.counts.flatMap((n, j) => (n > 0 ? [{ worker: j, weight: n / total }] : []));
    const weights = shards.map((s) => s.weight);
    for (let claim = Atomics.add(control, Ctrl.chunkNext, 1); claim < this.chunks.length; ) {
      const chunk = this.chunks[claim]!;
      this.timer.measure('waitMs', () => this.awaitChunk(chunk));
      const gradient = this.timer.measure('exchangeMs', () => this.averageChunk(chunk, shards, weights));
      if (gradient !== null)
        this.timer.measure('applyMs', () =>
          this.optimizer.updateArrays(
            this.shared.params.subarray(chunk.lo, chunk.hi),
            gradient,
            this.slotsByChunk[claim]!,
            iteration,
          ),
        );
      claim = Atomics.add(control, Ctrl.chunkNext, 1);
    }
    return true;
  }

  /** Clears the step's counters; run by the last worker at the closing barrier, before any worker goes on. */
  reset(): void {
    const c = this.shared.control;
    Atomics.store(c, Ctrl.chunkNext, 0);
    Atomics.store(c, Ctrl.statsReady, 0);
    for (let i = 0; i < this.published.length; i++) Atomics.store(this.published, i, 0);
  }

  /** Waits until every worker with a shard has published the chunk's weight (or the non-trainable block). */
  private awaitChunk(chunk: Chunk): void {
    awaitCount({
      control: this.shared.control,
      counters: this.published,
      index: chunk.weight < 0 ? this.layout.trainable.length : chunk.weight,
      target: this.active,
      spinMs: this.spinMs,
      timeoutMs: this.timeoutMs,
      what: `worker ${this.worker}: waiting for the other workers' gradients`,
    });
  }

  /**
   * The shard-weighted average of the workers' values in `chunk`: of a gradient into scratch
   * memory (returned, for the optimizer), or of the non-trainable weights straight into their
   * shared average (returns null: nothing to apply).
   */
  private averageChunk(chunk: Chunk, shards: { worker: number }[], weights: number[]): Float32Array | null {
    const { lo, hi } = chunk;
    if (chunk.weight < 0) {
      const q = this.layout.nonTrainableSize;
      const parts = shards.map(({ worker }) => this.shared.nonTrainable.subarray(worker * q + lo, worker * q + hi));
      weightedSum(this.shared.nonTrainableAverage.subarray(lo, hi), parts, weights);
      return null;
    }
    const p = this.layout.trainableSize;
    const gradient = this.scratch.subarray(0, hi - lo);
    const parts = shards.map(({ worker }) => this.shared.gradients.subarray(worker * p + lo, worker * p + hi));
    weightedSum(gradient, parts, weights);
    return gradient;
  }

  private announce(slot: number): void {
    Atomics.add(this.published, slot, 1);
    Atomics.notify(this.published, slot);
  }
}
