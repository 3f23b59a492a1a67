import { weightedSum, type Optimizer } from '@fnn/core';
import { awaitCount } from './barrier.js';
import type { ReplicaTimings } from './messages.js';
import { Ctrl, type SharedViews } from './shared-memory.js';
import type { WeightLayout } from './weight-layout.js';

/** Floats per unit of combining work: small enough to share out evenly, large enough to stream. */
const CHUNK = 32 * 1024;
/** Chunk bounds fall on 64-byte boundaries, so no two workers write one cache line. */
const ALIGN = 16;

/** One unit of combining work: a range of one weight's values (or of the non-trainable block). */
interface Chunk {
  /** Index of the weight in layout.trainable, or -1 for the non-trainable weights. */
  weight: number;
  lo: number;
  hi: number;
}

/**
 * The gradient exchange of one worker in one synchronous step, overlapped with the backward
 * pass. Each worker copies every weight's gradient into its slot of shared memory as soon as
 * the backward pass has it (`publishWeight`), then takes chunks of the parameter vector from a
 * shared counter (`combine`): for each, once every worker has published that weight, it sums
 * the shards' gradients (weighted by shard size, in worker order) and applies the optimizer to
 * that range of the shared parameters and optimizer state. The last layers' gradients come
 * first, so a worker that finishes its backward pass early combines them while the other still
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

  constructor(
    private readonly shared: SharedViews,
    private readonly layout: WeightLayout,
    private readonly optimizer: Optimizer,
    private readonly worker: number,
    private readonly timeoutMs: number,
    private readonly spinMs: number,
    /** The replica's timings: copies and sums count as exchangeMs, waits as waitMs, updates as applyMs. */
    private readonly timings: ReplicaTimings,
  ) {
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

  /** The shard sizes of this step (worker order); workers with an empty shard publish nothing. */
  beginStep(counts: number[]): void {
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
    const started = performance.now();
    const slot = this.slots[index]!;
    if (gradient.buffer !== slot.buffer || gradient.byteOffset !== slot.byteOffset) slot.set(gradient);
    this.sent[index] = true;
    this.announce(index);
    this.timings.exchangeMs += performance.now() - started;
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
   * Waits for every worker's loss; unless one is not finite (then returns false and nothing is
   * applied), takes and combines chunks until none are left, applying step `iteration`.
   */
  combine(iteration: number, statsFinite: () => boolean): boolean {
    const c = this.shared.control;
    let started = performance.now();
    awaitCount(
      c,
      Ctrl.statsReady,
      this.active,
      c,
      this.spinMs,
      this.timeoutMs,
      `worker ${this.worker}: waiting for the other workers' losses`,
    );
    this.timings.waitMs += performance.now() - started;
    if (!statsFinite()) return false;
    const total = this.counts.reduce((a, b) => a + b, 0);
    const weights: number[] = [];
    const active: number[] = [];
    this.counts.forEach((n, j) => {
      if (n === 0) return;
      active.push(j);
      weights.push(n / total);
    });
    const { trainableSize: size, nonTrainableSize: q } = this.layout;
    const announceSlot = this.layout.trainable.length;
    for (
      let claim = Atomics.add(c, Ctrl.chunkNext, 1);
      claim < this.chunks.length;
      claim = Atomics.add(c, Ctrl.chunkNext, 1)
    ) {
      const chunk = this.chunks[claim]!;
      started = performance.now();
      awaitCount(
        this.published,
        chunk.weight < 0 ? announceSlot : chunk.weight,
        this.active,
        c,
        this.spinMs,
        this.timeoutMs,
        `worker ${this.worker}: waiting for the other workers' gradients`,
      );
      const waited = performance.now();
      this.timings.waitMs += waited - started;
      const n = chunk.hi - chunk.lo;
      if (chunk.weight < 0) {
        weightedSum(
          this.shared.nonTrainableAverage.subarray(chunk.lo, chunk.hi),
          active.map((j) => this.shared.nonTrainable.subarray(j * q + chunk.lo, j * q + chunk.hi)),
          weights,
        );
        this.timings.exchangeMs += performance.now() - waited;
        continue;
      }
      const gradient = this.scratch.subarray(0, n);
      weightedSum(
        gradient,
        active.map((j) => this.shared.gradients.subarray(j * size + chunk.lo, j * size + chunk.hi)),
        weights,
      );
      const summed = performance.now();
      this.optimizer.updateArrays(
        this.shared.params.subarray(chunk.lo, chunk.hi),
        gradient,
        this.slotsByChunk[claim]!,
        iteration,
      );
      this.timings.exchangeMs += summed - waited;
      this.timings.applyMs += performance.now() - summed;
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

  private announce(slot: number): void {
    Atomics.add(this.published, slot, 1);
    Atomics.notify(this.published, slot);
  }
}
