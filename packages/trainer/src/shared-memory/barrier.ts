import { ReplicaAbortedError } from '../errors.js';
import { Ctrl } from './layout.js';
import { spinUntil, waitWhileEqual } from './wait.js';

export interface BarrierOptions {
  control: Int32Array;
  /** Slots of `control` holding the arrivals and the generation. */
  countSlot: number;
  generationSlot: number;
  timeoutMs: number;
  /** Who waits, for error messages. */
  what: string;
  /**
   * How long to spin before blocking. Waking a thread blocked in Atomics.wait takes ~0.1 ms on
   * this virtual machine (measured) against ~2 µs for a spinning one; spinning only pays when
   * every worker has a core of its own, or it takes CPU from the peer being waited for. Default 0.
   */
  spinMs?: number;
}

/**
 * A reusable barrier for worker threads over two Int32 slots (arrivals, generation), with a
 * timeout and an abort flag: `abort` + notify releases every waiter with ReplicaAbortedError.
 * The last thread to arrive may run `onRelease` before the others continue, so a decision made
 * there (e.g. whether to stop) is seen identically by every thread.
 */
export class Barrier {
  private readonly control: Int32Array;
  private readonly countSlot: number;
  private readonly generationSlot: number;
  private readonly timeoutMs: number;
  private readonly what: string;
  private readonly spinMs: number;

  constructor(options: BarrierOptions) {
    this.control = options.control;
    this.countSlot = options.countSlot;
    this.generationSlot = options.generationSlot;
    this.timeoutMs = options.timeoutMs;
    this.what = options.what;
    this.spinMs = options.spinMs ?? 0;
  }

  /** Blocks until `parties` threads (this one included) have called `wait`. */
  wait(parties: number, onRelease?: () => void): void {
    const c = this.control;
    if (Atomics.load(c, Ctrl.abort) === 1) throw new ReplicaAbortedError(`${this.what}: aborted`);
    const generation = Atomics.load(c, this.generationSlot);
    if (Atomics.add(c, this.countSlot, 1) === parties - 1) {
      Atomics.store(c, this.countSlot, 0);
      onRelease?.();
      Atomics.add(c, this.generationSlot, 1);
      Atomics.notify(c, this.generationSlot);
      return;
    }
    if (spinUntil(() => Atomics.load(c, this.generationSlot) !== generation, c, this.spinMs)) return;
    waitWhileEqual({
      control: c,
      slot: this.generationSlot,
      value: generation,
      timeoutMs: this.timeoutMs,
      what: this.what,
    });
  }
}
