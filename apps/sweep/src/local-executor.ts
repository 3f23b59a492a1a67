import type { RunContext, RunExecutor, RunResult } from './executor.js';
import type { RunConfig } from './run-config.js';
import { runTask, type FitEngine } from './run-task.js';
import type { SweepData } from './sweep-data.js';
import { placeholder } from './sweep.js';
import { errorMessage } from './errors.js';

export interface LocalExecutorOptions {
  data: SweepData;
  saveModels: boolean;
  /** Creates a training engine (e.g. a DataParallelTrainer with its worker threads). */
  createEngine: () => Promise<FitEngine>;
  description: string;
}

/**
 * Trains runs on this machine. Engines (and their worker threads) are reused from run to run:
 * a run takes an idle engine or creates one, so `concurrency` runs keep `concurrency` engines.
 * An engine whose run failed is closed rather than reused (its workers may be gone).
 */
export class LocalExecutor implements RunExecutor {
  readonly description: string;
  private readonly idle: FitEngine[] = [];
  private readonly all = new Set<FitEngine>();

  constructor(private readonly options: LocalExecutorOptions) {
    this.description = options.description;
  }

  async run(config: RunConfig, context: RunContext): Promise<RunResult> {
    let engine: FitEngine;
    try {
      engine = this.idle.pop() ?? (await this.options.createEngine());
    } catch (error) {
      return placeholder(config, 'failed', `could not start training: ${errorMessage(error)}`);
    }
    this.all.add(engine);
    const result = await runTask(config, context, engine, { saveModels: this.options.saveModels, data: this.options.data });
    if (result.status === 'finished') {
      this.idle.push(engine);
    } else {
      this.all.delete(engine);
      await engine.close().catch(() => {});
    }
    return result;
  }

  async close(): Promise<void> {
    const engines = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(engines.map((e) => e.close().catch(() => {})));
  }
}
