import { compare, findWinner } from '../comparison.js';
import { isSettled, type RunProgress, type RunResult, type RunStatus } from '../executor.js';
import type { ResultsFile, SweepMeta } from '../results-store.js';
import type { RunConfig } from '../run-config.js';
import type { SearchRecord } from '../search/search-plan.js';
import { placeholder } from '../sweep.js';

/** What the live page shows of a run still training: the report's own 'running' (never written to a file). */
const RUNNING = 'running' as RunStatus;

const METRICS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const;

export interface LivePlan {
  /** The plan's runs, in plan order (the page lists them in it). */
  runs: RunConfig[];
  meta: Pick<SweepMeta, 'backend' | 'cores' | 'concurrency' | 'workersPerRun' | 'data'>;
  /** Training samples per epoch (for samples/s). */
  trainSize: number;
  /** On --resume, what earlier attempts recorded: finished runs show at once, the others continue their curves. */
  previous: ReadonlyMap<string, RunResult>;
  /** How the runs were chosen and ASHA's decisions so far (read at each update), for a search. */
  search?: () => SearchRecord;
}

/**
 * The sweep as the live page shows it, built from the same events as the terminal display: runs
 * that ended (their full records), runs training (their history so far, epoch by epoch), and at
 * the end the sweep's own results.json.
 */
export class LiveResults {
  private readonly ended = new Map<string, RunResult>();
  private readonly training = new Map<string, RunResult>();
  private readonly startedAt = new Date();
  private samples = 0;
  private final: ResultsFile | null = null;

  constructor(private readonly plan: LivePlan) {
    for (const [id, run] of plan.previous) if (isSettled(run)) this.ended.set(id, run);
  }

  runStarted(id: string): void {
    const config = this.plan.runs.find((r) => r.id === id);
    if (!config) return;
    // A run ASHA paused (this session or an earlier one) goes on from the epochs it has.
    const before = this.ended.get(id) ?? this.plan.previous.get(id);
    this.ended.delete(id);
    const resumable = before && (!isSettled(before) || before.stoppedBy?.decision === 'pause');
    const base = resumable ? before : placeholder(config, RUNNING, '');
    const now = new Date().toISOString();
    this.training.set(id, {
      ...base,
      status: RUNNING,
      error: undefined,
      history: structuredClone(base.history),
      timing: { startedAt: now, finishedAt: now, wallSeconds: 0, samplesPerSecond: 0 },
    });
  }

  /** Records an epoch end; false for any other progress (nothing the page shows changed). */
  epochEnded(progress: RunProgress): boolean {
    const run = this.training.get(progress.id);
    const end = progress.epochEnd;
    if (!run || !end) return false;
    const at = progress.epoch - 1;
    const h = run.history;
    for (const key of METRICS) {
      h[key].length = Math.min(h[key].length, at);
      h[key][at] = end[key];
    }
    h.seconds.length = Math.min(h.seconds.length, at);
    h.seconds[at] = end.seconds;
    h.workers.length = Math.min(h.workers.length, at);
    h.workers[at] = progress.workers ?? 1;
    run.workers = progress.workers ?? run.workers;
    // Time so far in this attempt, as a finished run's record counts it.
    run.timing.wallSeconds = (Date.now() - Date.parse(run.timing.startedAt)) / 1000;
    this.samples += this.plan.trainSize;
    return true;
  }

  runEnded(result: RunResult): void {
    this.training.delete(result.id);
    this.ended.set(result.id, result);
  }

  /** The sweep's own aggregate when it ends: from then on the page shows exactly results.json. */
  finish(results: ResultsFile): void {
    this.final = results;
  }

  /** Every planned run's epochs, started or not (the page picks its x-axis from them). */
  plannedEpochs(): number[] {
    return this.plan.runs.map((r) => r.epochs);
  }

  snapshot(): ResultsFile {
    if (this.final) return this.final;
    const runs = this.plan.runs
      .map((c) => this.ended.get(c.id) ?? this.training.get(c.id))
      .filter((r): r is RunResult => r !== undefined);
    const comparison = compare(runs);
    const wallSeconds = (Date.now() - this.startedAt.getTime()) / 1000;
    return {
      sweep: {
        status: 'running',
        startedAt: this.startedAt.toISOString(),
        finishedAt: null,
        wallSeconds,
        ...this.plan.meta,
        samplesPerSecond: wallSeconds > 0 ? this.samples / wallSeconds : 0,
      },
      comparison,
      winner: findWinner(comparison),
      runs,
      ...(this.plan.search ? { search: this.plan.search() } : {}),
    };
  }
}
