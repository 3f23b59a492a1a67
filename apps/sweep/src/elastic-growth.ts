export interface ElasticGrowthOptions {
  /** Workers each run starts with: the cores one slot stands for. */
  workersPerRun: number;
  /** Growing a run costs a fit restart (new worker threads): only worth it for a long remainder. Default 20 s. */
  minSecondsToGrow?: number;
}

interface GrowingRun {
  workers: number;
  /** Seconds of training left, as estimated at its last epoch end, and when. */
  remaining: number;
  at: number;
  /** The last epoch's duration by number of workers. */
  epochSeconds: Map<number, number>;
  /** Grown once and found no faster: stays on its slot's workers. */
  reverted: boolean;
  /** Why the last proposal moved the run, for its progress note. */
  reason: string;
}

/**
 * Who gets the cores of slots that have no run to train: the run with the most training left,
 * from its next epoch end. One instance per process, shared by everything that trains there
 * (the local sweep's executor, or all the executors of a queue worker), so it sees every run
 * competing for the process's cores. A slot that gets a run again (a queue worker takes a new
 * job) claims its cores back: a run grown onto them returns to its slot's workers at its next
 * epoch end.
 */
export class ElasticGrowth {
  private readonly active = new Map<string, GrowingRun>();
  /** Cores released by idle slots, not yet given to a run; negative while a slot waits for a grown run to shrink. */
  private spare = 0;

  constructor(private readonly options: ElasticGrowthOptions) {}

  get workersPerRun(): number {
    return this.options.workersPerRun;
  }

  started(runId: string, workers: number): void {
    this.active.set(runId, {
      workers,
      remaining: Infinity,
      at: performance.now(),
      epochSeconds: new Map(),
      reverted: false,
      reason: '',
    });
  }

  /** The run ended on `workers` workers: the cores it borrowed beyond its slot's go back to the spare pool. */
  ended(runId: string, workers: number): void {
    this.active.delete(runId);
    this.spare += Math.max(0, workers - this.options.workersPerRun);
  }

  /** A slot has no run to train: its cores may go to a run still training. */
  releaseSlot(): void {
    this.spare += this.options.workersPerRun;
  }

  /** A released slot has a run again: its cores are taken back (from a grown run, at its next epoch end). */
  claimSlot(): void {
    this.spare -= this.options.workersPerRun;
  }

  /** Growing to `workers` failed (no engine): the cores it would have taken are spare again. */
  growthFailed(fromWorkers: number, toWorkers: number): void {
    this.spare += toWorkers - fromWorkers;
  }

  /** The run continues on `workers` workers (after a swap). */
  moved(runId: string, workers: number): void {
    const me = this.active.get(runId);
    if (me) me.workers = workers;
  }

  /**
   * At an epoch end: the number of workers the run continues with, or null to keep its engine.
   * A grown run goes back to its slot's workers when a slot claims its cores back, or when its
   * first epoch on more workers was not at least 10 % faster than its last one on its slot's
   * (synchronous data parallelism suffers when other processes share the cores). Otherwise the
   * spare cores go to this run if no other active run has more training left.
   */
  propose(runId: string, workers: number, epochSeconds: number, epochsLeft: number): number | null {
    const now = performance.now();
    const me = this.active.get(runId);
    if (!me) return null;
    const base = this.options.workersPerRun;
    me.epochSeconds.set(workers, epochSeconds);
    Object.assign(me, { workers, remaining: epochsLeft * epochSeconds, at: now });
    if (workers > base) {
      const before = me.epochSeconds.get(base);
      const claimed = this.spare < 0;
      if (!claimed && (before === undefined || epochSeconds < 0.9 * before)) return null;
      if (!claimed) me.reverted = true;
      me.reason = claimed ? 'a slot has a run again and takes its cores back' : `${workers} workers were not faster`;
      this.spare += workers - base;
      return base;
    }
    const remainingSeconds = me.remaining;
    if (me.reverted || this.spare <= 0 || remainingSeconds < (this.options.minSecondsToGrow ?? 20)) return null;
    for (const [id, other] of this.active) {
      if (id !== runId && other.remaining - (now - other.at) / 1000 > remainingSeconds) return null;
    }
    const target = workers + this.spare;
    this.spare = 0;
    me.reason = 'cores freed up';
    return target;
  }

  /** Why propose() last moved the run (empty if it never did). */
  reason(runId: string): string {
    return this.active.get(runId)?.reason ?? '';
  }
}
