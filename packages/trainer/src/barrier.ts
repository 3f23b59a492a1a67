import { ReplicaAbortedError } from './errors.js';
import { Ctrl } from './shared-memory.js';

/** Longest single Atomics.wait: waiters re-check the abort flag at least this often. */
const WAIT_SLICE_MS = 250;
/**
 * Loads of the generation before blocking: a few microseconds of spinning, which the peers of a
 * short step usually need to arrive; a futex wake-up costs ~20 µs here (measured).
 */
const SPIN_LOADS = 2000;

/**
 * A reusable barrier for worker threads over two Int32 slots (arrivals, generation), with a
 * timeout and an abort flag: `abort` + notify releases every waiter with ReplicaAbortedError.
 * The last thread to arrive may run `onRelease` before the others continue, so a decision made
 * there (e.g. whether to stop) is seen identically by every thread.
 */
export class Barrier {
  constructor(
    private readonly control: Int32Array,
    private readonly countSlot: number,
    private readonly generationSlot: number,
    private readonly timeoutMs: number,
    private readonly what: string,
  ) {}

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
    for (let i = 0; i < SPIN_LOADS; i++) if (Atomics.load(c, this.generationSlot) !== generation) return;
    waitWhileEqual(c, this.generationSlot, generation, this.timeoutMs, this.what);
  }
}

/**
 * Blocks (worker threads only) while `control[slot] === value` and `stop()` is false (checked
 * whenever the slot is notified); throws ReplicaAbortedError when the run is aborted and a
 * timeout error after `timeoutMs`.
 */
export function waitWhileEqual(control: Int32Array, slot: number, value: number, timeoutMs: number, what: string, stop?: () => boolean): void {
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(control, slot) === value && !stop?.()) {
    if (Atomics.load(control, Ctrl.abort) === 1) throw new ReplicaAbortedError(`${what}: aborted`);
    const remaining = deadline - performance.now();
    if (remaining <= 0) throw new Error(`${what}: no progress from the other threads within ${Math.round(timeoutMs / 1000)} s (syncTimeout).`);
    Atomics.wait(control, slot, value, Math.min(remaining, WAIT_SLICE_MS));
  }
  if (Atomics.load(control, Ctrl.abort) === 1) throw new ReplicaAbortedError(`${what}: aborted`);
}

interface WaitAsyncResult {
  async: boolean;
  value: Promise<'ok' | 'timed-out'> | 'not-equal' | 'timed-out';
}
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t?: number) => WaitAsyncResult }).waitAsync;

/**
 * Main-thread wait (never blocks the event loop) until `done()` holds, re-checked whenever the
 * workers bump `Ctrl.events`; rejects as soon as `failure` does.
 */
export async function waitForWorkers(control: Int32Array, done: () => boolean, failure: Promise<never>): Promise<void> {
  for (;;) {
    // Read the counter before checking, so a change in between makes waitAsync return at once.
    const events = Atomics.load(control, Ctrl.events);
    if (done()) return;
    const result = waitAsync(control, Ctrl.events, events, WAIT_SLICE_MS);
    await Promise.race([result.async ? (result.value as Promise<unknown>) : undefined, failure]);
  }
}
