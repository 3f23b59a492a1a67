import { isDeepStrictEqual } from 'node:util';
import type { RunContext, RunResult } from '../executor.js';
import type { ProgressDisplay } from '../progress.js';
import type { ResultsStore } from '../results-store.js';
import { describeDecision, type AshaScheduler } from './asha.js';
import { saveAshaState } from './search-plan.js';

/**
 * ASHA's part in a sweep: the question at each epoch end, the promotions idle slots ask for
 * (get_job), and the stops when the search ends; every decision is saved to asha.json as it is
 * made and logged.
 */
export class AshaJobs {
  constructor(
    private readonly scheduler: AshaScheduler,
    private readonly store: ResultsStore,
    private readonly display: ProgressDisplay,
  ) {}

  /** Run `id`'s question at every epoch end; `recorded` is told of each new decision (a paused run may now be promotable). */
  shouldStop(id: string, recorded: () => void): NonNullable<RunContext['shouldStop']> {
    const { scheduler } = this;
    return (epoch, metrics) => {
      const known = scheduler.decisions.length;
      const decision = scheduler.onEpochEnd(id, epoch, metrics);
      if (decision && scheduler.decisions.length > known) {
        saveAshaState(this.store.dir, scheduler);
        // A pause is reported when the run ends (its end line); going on here.
        if (decision.decision !== 'pause') this.display.log(`[${id}] ${describeDecision(decision)}`);
        recorded();
      }
      return decision?.decision === 'pause' || decision?.decision === 'stop' ? decision : null;
    };
  }

  /** get_job: the id of the paused run promoted now, or undefined (start a new run). */
  promote(): string | undefined {
    const promotion = this.scheduler.promote();
    if (!promotion) return undefined;
    saveAshaState(this.store.dir, this.scheduler);
    this.display.log(`[${promotion.trial}] ${describeDecision(promotion)}; resumes from its checkpoint`);
    return promotion.trial;
  }

  hasPromotion(): boolean {
    return this.scheduler.hasPromotion();
  }

  /**
   * The rungs, and where run `id` trains from now: the rung it went on from last (promoted, or
   * on arrival), or 0 (for an executor that trains from rung to rung, see RunContext.rungs).
   */
  rungsFor(id: string): { epochs: readonly number[]; from: number } {
    const latest = this.scheduler.latest(id);
    return { epochs: this.scheduler.rungs, from: latest && this.goingOn(id) ? latest.rung : 0 };
  }

  /** Whether run `id` went on from its last rung (promoted, or on arrival): it trains, or was about to. */
  goingOn(id: string): boolean {
    const latest = this.scheduler.latest(id)?.decision;
    return latest === 'continue' || latest === 'promote';
  }

  /**
   * The search is over: every paused run stops where it waits, and each stopped run's file gets
   * its final decision. Returns the runs rewritten.
   */
  stopPaused(done: ReadonlyMap<string, RunResult>): RunResult[] {
    if (this.scheduler.stopPaused().length > 0) saveAshaState(this.store.dir, this.scheduler);
    const rewritten: RunResult[] = [];
    for (const [id, run] of done) {
      const latest = run.status === 'stopped' ? this.scheduler.latest(id) : undefined;
      if (!latest || isDeepStrictEqual(latest, run.stoppedBy)) continue;
      const stopped = { ...run, stoppedBy: latest };
      this.store.writeRun(stopped);
      this.display.log(`[${id}] ${describeDecision(latest)}`);
      rewritten.push(stopped);
    }
    return rewritten;
  }
}

/** Whether ASHA paused the run at a rung (it waits for a promotion). */
export function isPaused(run: RunResult | undefined): boolean {
  return run?.stoppedBy?.decision === 'pause';
}

/**
 * A promoted run's time over its segments: from its first start, the wall seconds of each
 * segment added (the pause between them is not training), samples/s over the whole.
 */
export function joinTiming(before: RunResult, after: RunResult): RunResult['timing'] {
  const wallSeconds = before.timing.wallSeconds + after.timing.wallSeconds;
  const epochs = after.history.loss.length;
  return {
    startedAt: before.timing.startedAt,
    finishedAt: after.timing.finishedAt,
    wallSeconds,
    samplesPerSecond: wallSeconds > 0 ? ((epochs - before.resumedFromEpoch) * after.trainSize) / wallSeconds : 0,
  };
}
