import { ReplicaAbortedError } from '../errors.js';
import { Ctrl } from './layout.js';

/** Longest single Atomics.wait: waiters re-check the abort flag at least this often. */
export const WAIT_SLICE_MS = 250;
/** Loads of the watched value between two clock reads while spinning. */
const SPIN_CHECK = 256;

/** Spins for up to `spinMs` (or until the run is aborted) while `done()` is false; returns `done()`'s last answer. */
export function spinUntil(done: () => boolean, control: Int32Array, spinMs: number): boolean {
  if (spinMs <= 0) return done();
  const until = performance.now() + spinMs;
  do {
    for (let i = 0; i < SPIN_CHECK; i++) if (done()) return true;
  } while (performance.now() < until && Atomics.load(control, Ctrl.abort) === 0);
  return done();
}

export interface WaitWhileEqualOptions {
  /** The control block: its abort flag ends the wait with ReplicaAbortedError. */
  control: Int32Array;
  /** The array watched, when not `control`. */
  watched?: Int32Array;
  slot: number;
  /** Wait while `watched[slot]` holds this value. */
  value: number;
  timeoutMs: number;
  /** Who waits for what, for error messages. */
  what: string;
  /** Ends the wait early when it returns true (checked whenever the slot is notified). */
  stop?: () => boolean;
}

/**
 * Blocks (worker threads only) while `watched[slot] === value` and `stop()` is false; throws
 * ReplicaAbortedError when the run is aborted and a timeout error after `timeoutMs`.
 */
export function waitWhileEqual({
  control,
  watched = control,
  slot,
  value,
  timeoutMs,
  what,
  stop,
}: WaitWhileEqualOptions): void {
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(watched, slot) === value && !stop?.()) {
    if (Atomics.load(control, Ctrl.abort) === 1) throw new ReplicaAbortedError(`${what}: aborted`);
    const remaining = deadline - performance.now();
    if (remaining <= 0)
      throw new Error(
        `${what}: no progress from the other threads within ${Math.round(timeoutMs / 1000)} s (syncTimeout).`,
      );
    Atomics.wait(watched, slot, value, Math.min(remaining, WAIT_SLICE_MS));
  }
  if (Atomics.load(control, Ctrl.abort) === 1) throw new ReplicaAbortedError(`${what}: aborted`);
}

export interface AwaitCountOptions {
  /** The control block (abort flag). */
  control: Int32Array;
  /** The counter's array (`control` itself, or e.g. `published`). */
  counters: Int32Array;
  index: number;
  /** Returns once `counters[index] >= target`. */
  target: number;
  /** How long to spin before blocking (see Barrier). */
  spinMs: number;
  /** Bounds the wait for any one change of the counter. */
  timeoutMs: number;
  what: string;
}

/**
 * Blocks (worker threads only) until a counter reaches its target: spins for up to `spinMs` (the
 * value usually arrives within microseconds when every worker has a core), then waits for each
 * change in turn.
 */
export function awaitCount({ control, counters, index, target, spinMs, timeoutMs, what }: AwaitCountOptions): void {
  if (spinUntil(() => Atomics.load(counters, index) >= target, control, spinMs)) return;
  for (let value = Atomics.load(counters, index); value < target; value = Atomics.load(counters, index)) {
    waitWhileEqual({ control, watched: counters, slot: index, value, timeoutMs, what });
  }
}
