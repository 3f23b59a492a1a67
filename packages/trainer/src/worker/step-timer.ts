import type { ReplicaTimings } from '../messages.js';

/** A phase of a step that ReplicaTimings accounts for. */
export type StepPhase = 'computeMs' | 'exchangeMs' | 'waitMs' | 'applyMs';

/**
 * Where one worker's step time goes (ReplicaTimings). A phase measured inside another counts
 * only for itself: the compute phase excludes the gradient copies and optimizer updates it
 * triggers during the backward pass.
 */
export class StepTimer {
  readonly timings: ReplicaTimings = { steps: 0, computeMs: 0, exchangeMs: 0, waitMs: 0, applyMs: 0 };

  beginStep(): void {
    this.timings.steps++;
  }

  /** Runs `work`, adding its time (less the phases measured inside it) to `phase`. */
  measure<T>(phase: StepPhase, work: () => T): T {
    const started = performance.now();
    const before = this.measuredMs();
    const result = work();
    this.timings[phase] += performance.now() - started - (this.measuredMs() - before);
    return result;
  }

  private measuredMs(): number {
    const t = this.timings;
    return t.computeMs + t.exchangeMs + t.waitMs + t.applyMs;
  }
}
