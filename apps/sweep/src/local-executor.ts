import type { RunContext, RunExecutor, RunResult } from './executor.js';
import type { RunConfig } from './run-config.js';
import { runTask, type FitEngine, type RunScaler } from './run-task.js';
import type { SweepData } from './sweep-data.js';
import { placeholder } from './sweep.js';
import { ElasticGrowth } from './elastic-growth.js';
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
  /** With `elastic`: the process's one ElasticGrowth, when several executors share its cores (a queue worker's). */
  growth?: ElasticGrowth;
  description: string;
}

/**
 * Trains runs on this machine. Engines (and their worker threads) are reused from run to run,
 * pooled by kind; an engine whose run failed is closed rather than reused (its workers may be
 * gone). When a sweep slot has no run left, its cores go to the run with the most training
 * left (ElasticGrowth decides which), which continues on more workers from its next epoch
 * (see RunScaler).
 */
export class LocalExecutor implements RunExecutor, RunScaler {
  readonly description: string;
  private readonly idle = new Map<string, FitEngine[]>();
  private readonly all = new Set<FitEngine>();
  private readonly configs = new Map<string, RunConfig>();
  private readonly growth: ElasticGrowth | null;

  constructor(private readonly options: LocalExecutorOptions) {
    this.description = options.description;
    this.growth = options.elastic
      ? (options.growth ??
        new ElasticGrowth({ workersPerRun: options.workersPerRun, minSecondsToGrow: options.minSecondsToGrow }))
      : null;
  }

  async run(config: RunConfig, context: RunContext): Promise<RunResult> {
    let engine: FitEngine;
    try {
      engine = await this.lease(config, this.options.workersPerRun);
    } catch (error) {
      return placeholder(config, 'failed', `could not start training: ${errorMessage(error)}`);
    }
    this.configs.set(config.id, config);
    this.growth?.started(config.id, engine.workers);
    const { engine: last, ...result } = await runTask(config, context, engine, {
      saveModels: this.options.saveModels,
      data: this.options.data,
      scaler: this.growth ? this : undefined,
    });
    this.growth?.ended(config.id, last.workers);
    this.configs.delete(config.id);
    // A stopped run ended at an epoch boundary, as a finished one does: its engine is sound.
    if (result.status === 'finished' || result.status === 'stopped') this.giveBack(config, last);
    else await this.discard(last);
    return result;
  }

  releaseSlot(): void {
    this.growth?.releaseSlot();
  }

  claimSlot(): void {
    this.growth?.claimSlot();
  }

  /** RunScaler: ElasticGrowth's decision. */
  propose(runId: string, workers: number, epochSeconds: number, epochsLeft: number): number | null {
    return this.growth?.propose(runId, workers, epochSeconds, epochsLeft) ?? null;
  }

  /** RunScaler: ElasticGrowth's reason for the last move. */
  reason(runId: string): string {
    return this.growth?.reason(runId) ?? '';
  }

  /** RunScaler: a new engine first (should that fail, the run keeps its old one), then the old one back to the pool. */
  async swap(runId: string, engine: FitEngine, workers: number): Promise<FitEngine> {
    const config = this.configs.get(runId)!;
    let other: FitEngine;
    try {
      other = await this.lease(config, workers);
    } catch (error) {
      this.growth?.growthFailed(engine.workers, workers);
      throw error;
    }
    this.giveBack(config, engine);
    this.growth?.moved(runId, other.workers);
    return other;
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
