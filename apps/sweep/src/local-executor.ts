import type { RunContext, RunExecutor, RunResult } from './executor.js';
import type { RunConfig } from './run-config.js';
import { runTask, type FitEngine, type RunScaler } from './run-task.js';
import type { SweepData } from './sweep-data.js';
import { placeholder } from './sweep.js';
import { errorMessage } from './errors.js';

export interface LocalExecutorOptions {
  data: SweepData;
  saveModels: boolean;
  /** Creates a training engine with `workers` threads (a DataParallelTrainer, or single-thread model.fit). */
  createEngine: (workers: number, config: RunConfig) => Promise<FitEngine>;
  /** Workers each run starts with. */
  workersPerRun: number;
  /**
   * Give the cores of slots that ran out of runs to the longest run still training (from its
   * next epoch). Off for single-thread engines and with --fixed-workers.
   */
  elastic: boolean;
  /** Growing a run costs a fit restart (new worker threads): only worth it for a long remainder. Default 20 s. */
  minSecondsToGrow?: number;
  description: string;
}

interface ActiveRun {
  workers: number;
  /** Seconds of training left, as estimated at its last epoch end, and when. */
  remaining: number;
  at: number;
  /** The last epoch's duration by number of workers. */
  epochSeconds: Map<number, number>;
  /** Grown once and found no faster: stays on its slot's workers. */
  reverted: boolean;
}

/**
 * Trains runs on this machine. Engines (and their worker threads) are reused from run to run,
 * pooled by kind; an engine whose run failed is closed rather than reused (its workers may be
 * gone). When a sweep slot has no run left, its cores go to the run with the most training
 * left, which continues on more workers from its next epoch (see RunScaler).
 */
export class LocalExecutor implements RunExecutor, RunScaler {
  readonly description: string;
  private readonly idle = new Map<string, FitEngine[]>();
  private readonly all = new Set<FitEngine>();
  private readonly active = new Map<string, ActiveRun>();
  private readonly configs = new Map<string, RunConfig>();
  /** Cores released by slots that ran out of runs, not yet given to a run. */
  private spare = 0;

  constructor(private readonly options: LocalExecutorOptions) {
    this.description = options.description;
  }

  async run(config: RunConfig, context: RunContext): Promise<RunResult> {
    let engine: FitEngine;
    try {
      engine = await this.lease(config, this.options.workersPerRun);
    } catch (error) {
      return placeholder(config, 'failed', `could not start training: ${errorMessage(error)}`);
    }
    this.configs.set(config.id, config);
    this.active.set(config.id, {
      workers: engine.workers,
      remaining: Infinity,
      at: performance.now(),
      epochSeconds: new Map(),
      reverted: false,
    });
    const { engine: last, ...result } = await runTask(config, context, engine, {
      saveModels: this.options.saveModels,
      data: this.options.data,
      scaler: this.options.elastic ? this : undefined,
    });
    this.active.delete(config.id);
    // Cores this run borrowed beyond its slot's go back to the spare pool.
    this.spare += Math.max(0, last.workers - this.options.workersPerRun);
    // A stopped run ended at an epoch boundary, as a finished one does: its engine is sound.
    if (result.status === 'finished' || result.status === 'stopped') this.giveBack(config, last);
    else await this.discard(last);
    return result;
  }

  releaseSlot(): void {
    this.spare += this.options.workersPerRun;
  }

  /**
   * RunScaler: the spare cores go to this run if no other active run has more training left. A
   * grown run whose first epoch on more workers was not at least 10 % faster than its last one
   * on its slot's workers (synchronous data parallelism suffers when other processes share the
   * cores) goes back to them and gives the cores back.
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
      if (before === undefined || epochSeconds < 0.9 * before) return null;
      me.reverted = true;
      this.spare += workers - base;
      return base;
    }
    const remainingSeconds = me.remaining;
    if (me.reverted || this.spare === 0 || remainingSeconds < (this.options.minSecondsToGrow ?? 20)) return null;
    for (const [id, other] of this.active) {
      if (id !== runId && other.remaining - (now - other.at) / 1000 > remainingSeconds) return null;
    }
    const target = workers + this.spare;
    this.spare = 0;
    return target;
  }

  /** RunScaler: a new engine first (should that fail, the run keeps its old one), then the old one back to the pool. */
  async swap(runId: string, engine: FitEngine, workers: number): Promise<FitEngine> {
    const config = this.configs.get(runId)!;
    let bigger: FitEngine;
    try {
      bigger = await this.lease(config, workers);
    } catch (error) {
      this.spare += workers - engine.workers;
      throw error;
    }
    this.giveBack(config, engine);
    const me = this.active.get(runId);
    if (me) me.workers = bigger.workers;
    return bigger;
  }

  async close(): Promise<void> {
    const engines = [...this.all];
    this.all.clear();
    this.idle.clear();
    await Promise.all(engines.map((e) => e.close().catch(() => {})));
  }

  /** Engines differ by worker count and by batch-norm synchronisation (for BN models on several workers). */
  private kind(config: RunConfig, workers: number): string {
    return `${workers}:${config.batchNorm && workers > 1 ? 'sync-bn' : 'plain'}`;
  }

  private async lease(config: RunConfig, workers: number): Promise<FitEngine> {
    const engine =
      this.idle.get(this.kind(config, workers))?.pop() ?? (await this.options.createEngine(workers, config));
    this.all.add(engine);
    return engine;
  }

  private giveBack(config: RunConfig, engine: FitEngine): void {
    const key = this.kind(config, engine.workers);
    this.idle.set(key, [...(this.idle.get(key) ?? []), engine]);
  }

  private async discard(engine: FitEngine): Promise<void> {
    this.all.delete(engine);
    await engine.close().catch(() => {});
  }
}
