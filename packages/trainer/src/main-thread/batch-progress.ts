import { ValueError, type CallbackHooks } from '@fnn/core';
import { describeValue } from '../errors.js';

/** What `onBatchProgress` receives: where training is, and the epoch's running means so far. */
export interface BatchProgress {
  /** 0-based epoch. */
  epoch: number;
  /** 0-based index of the last batch completed in this epoch. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  /** Running means over the epoch's batches so far (`loss`, then the metrics), as `onBatchEnd` gets them. */
  logs: Record<string, number>;
}

export type BatchProgressHook = (progress: BatchProgress) => void;

/** Least time between two reports; an epoch's last batch is always reported. */
export const BATCH_PROGRESS_INTERVAL_MS = 200;

/** Checks a user's `onBatchProgress` argument. */
export function checkBatchProgressHook(hook: unknown, owner: string): BatchProgressHook | undefined {
  if (hook === undefined || typeof hook === 'function') return hook as BatchProgressHook | undefined;
  throw new ValueError(`${owner}: expected onBatchProgress to be a function, but got ${describeValue(hook)}.`);
}

/**
 * A callback that passes batch progress to `hook`, at most every `intervalMs`, and always the
 * last batch an epoch completed (its last, or where training stopped). Observe-only: it is not
 * one of the user's batch callbacks, so the workers keep running each epoch freely; each report
 * holds a copy of the logs.
 */
export function batchProgressCallback(
  hook: BatchProgressHook,
  batches: number,
  intervalMs = BATCH_PROGRESS_INTERVAL_MS,
  now: () => number = () => performance.now(),
): CallbackHooks {
  let epoch = 0;
  let lastReport = -Infinity;
  /** The epoch's last completed batch when it was not reported (throttled). */
  let pending: BatchProgress | undefined;
  return {
    onEpochBegin: (e: number) => {
      epoch = e;
      pending = undefined;
    },
    onBatchEnd: (batch: number, logs?: Record<string, number>) => {
      const progress = { epoch, batch, batches, logs: { ...logs } };
      const time = now();
      if (batch < batches - 1 && time - lastReport < intervalMs) {
        pending = progress;
        return;
      }
      lastReport = time;
      pending = undefined;
      hook(progress);
    },
    onEpochEnd: () => {
      if (pending !== undefined) hook(pending);
      pending = undefined;
    },
  };
}
