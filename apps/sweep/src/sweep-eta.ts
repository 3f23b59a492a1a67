import type { RunProgress, RunResult } from './executor.js';

/** An ETA is shown only after this much training has been timed (start-up would skew it). */
const MIN_MEASURED_SECONDS = 2;

export interface TrackedRun {
  id: string;
  cost: number;
  progress: RunProgress | null;
  /**
   * When the run was first heard from (its executor, or the queue worker that took it, started
   * it): a queued run waiting for a worker is not training yet, and its wait is not training time.
   */
  trainingSince: number | null;
  /** When training was first seen to progress, and how far it was then: ETAs are measured from here. */
  measuredFrom: { at: number; fraction: number } | null;
}

/** Fraction of the run's epochs done, from its latest progress. */
export function fraction(p: RunProgress | null): number {
  if (!p || p.epochs === 0) return 0;
  // Epoch 0 is a note sent before the first epoch begins.
  return Math.min(1, Math.max(0, (p.epoch - 1 + (p.batches > 0 ? p.batch / p.batches : 0)) / p.epochs));
}

/**
 * Sweep-wide counters and ETAs, from measured progress only: the sweep's plan says how much
 * work each run is (its cost), the runs' progress says how fast that work goes and how many
 * runs train at once. Nothing is assumed about the machines (a queue's workers may be many,
 * few, or busy with other sweeps). `now` is the clock, in ms.
 */
export class SweepTracker {
  readonly active = new Map<string, TrackedRun>();
  finished = 0;
  failed = 0;
  interrupted = 0;
  /** Cost and seconds of the training measured in runs that have ended. */
  private doneCost = 0;
  private doneSeconds = 0;
  readonly startedAt: number;
  /** Runs started, and runs counted as done: an ASHA run paused, then promoted, starts and ends twice. */
  private readonly started = new Set<string>();
  private readonly counted = new Set<string>();

  constructor(
    readonly total: number,
    private pendingCost: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  start(id: string, cost: number): void {
    this.active.set(id, { id, cost, progress: null, trainingSince: null, measuredFrom: null });
    if (!this.started.has(id)) this.pendingCost -= cost;
    this.started.add(id);
  }

  /** Records a run's progress; the first report starts the clock its ETA is measured with. */
  observe(progress: RunProgress): void {
    const run = this.active.get(progress.id);
    if (!run) return;
    run.progress = progress;
    run.trainingSince ??= this.now();
    if (run.measuredFrom === null && progress.batch > 0) {
      run.measuredFrom = { at: this.now(), fraction: fraction(progress) };
    }
  }

  end(result: RunResult): void {
    const run = this.active.get(result.id);
    this.active.delete(result.id);
    // A run ASHA paused or stopped is done too: its remaining epochs may never run. A paused run
    // promoted later ends again: counted once, or moved when its second part fails.
    const settled = result.status === 'finished' || result.status === 'stopped';
    if (this.counted.delete(result.id)) this.finished--;
    if (settled) {
      this.finished++;
      this.counted.add(result.id);
    } else if (result.status === 'failed') this.failed++;
    else this.interrupted++;
    if (run?.trainingSince != null && settled) {
      this.doneCost += (run.cost * (result.history.loss.length - result.resumedFromEpoch)) / result.config.epochs;
      this.doneSeconds += (this.now() - run.trainingSince) / 1000;
    }
  }

  /** Seconds and fraction of the run timed so far (zero until it has been measured long enough). */
  measured(run: TrackedRun): { seconds: number; done: number } {
    if (!run.measuredFrom) return { seconds: 0, done: 0 };
    const seconds = (this.now() - run.measuredFrom.at) / 1000;
    const done = fraction(run.progress) - run.measuredFrom.fraction;
    return seconds >= MIN_MEASURED_SECONDS && done > 0 ? { seconds, done } : { seconds: 0, done: 0 };
  }

  /** A run's own ETA in seconds, or null ('?') until it is measured. */
  runEta(run: TrackedRun): number | null {
    const { seconds, done } = this.measured(run);
    return done > 0 ? (seconds * (1 - fraction(run.progress))) / done : null;
  }

  /**
   * Seconds left for the whole sweep, or null until some training has been timed: the cost left
   * (runs not started, and what active runs have left) at the measured seconds per unit of cost
   * (ended runs from their start on a worker, and the measured part of active ones), shared by
   * the runs training now; never less than the longest active run's own ETA.
   */
  eta(): number | null {
    let cost = this.doneCost;
    let seconds = this.doneSeconds;
    let remaining = this.pendingCost;
    let training = 0;
    let longest = 0;
    for (const run of this.active.values()) {
      const timed = this.measured(run);
      cost += run.cost * timed.done;
      seconds += timed.seconds;
      remaining += run.cost * (1 - fraction(run.progress));
      if (run.trainingSince !== null) training++;
      longest = Math.max(longest, this.runEta(run) ?? 0);
    }
    if (cost <= 0) return null;
    return Math.max(longest, (remaining * seconds) / cost / Math.max(1, training));
  }
}
