import type { RunProgress } from '../executor.js';

/** Batch progress goes to Redis at most this often per run; epoch ends and notes go at once. */
export const PROGRESS_INTERVAL_MS = 1000;

/** What a progress update is sent to: a BullMQ job. */
export interface ProgressTarget {
  updateProgress(progress: object): Promise<unknown>;
}

/**
 * Sends a run's progress to its job, in order, throttling batch updates: a few hundred batches
 * an epoch would otherwise each be a Redis command and an event for the coordinator.
 */
export class ProgressSender {
  private last = Number.NEGATIVE_INFINITY;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly job: ProgressTarget,
    private readonly now: () => number = Date.now,
  ) {}

  send(progress: RunProgress): void {
    const now = this.now();
    const important = progress.epochEnd !== undefined || progress.note !== undefined;
    if (!important && now - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = now;
    // A lost update is not worth failing the run for: the next one, or the result, follows.
    this.chain = this.chain.then(() =>
      this.job.updateProgress(progress as unknown as object).then(
        () => {},
        () => {},
      ),
    );
  }

  /** Resolves once every update sent so far has reached Redis (or failed). */
  flush(): Promise<void> {
    return this.chain;
  }
}
