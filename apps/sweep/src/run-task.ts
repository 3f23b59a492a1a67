import { tf, type LayersModel, type Tensor } from '@fnn/core';
import type { Dataset } from '@fnn/data';
import { buildCompiledModel } from './build-model.js';
import { folderCheckpoints, type CheckpointStore } from './checkpoint-store.js';
import { InterruptedError, errorMessage } from './errors.js';
import type { EpochHistory, RunContext, RunProgress, RunResult } from './executor.js';
import type { EpochLogs, FitEngine, FitHooks, RunScaler } from './fit-engine.js';
import { describeArchitecture, type RunConfig } from './run-config.js';
import type { RungDecision } from './search/asha.js';
import type { SweepData } from './sweep-data.js';

export type { EpochLogs, FitEngine, FitHooks, FitRequest, RunScaler } from './fit-engine.js';

export interface RunTaskOptions {
  saveModels: boolean;
  data: SweepData;
  scaler?: RunScaler;
}

type TaskResult = RunResult & { engine: FitEngine };

function emptyHistory(): EpochHistory {
  return { loss: [], accuracy: [], val_loss: [], val_accuracy: [], seconds: [], workers: [] };
}

/**
 * Trains one run from its config: builds the model, continues from the run's checkpoint when
 * there is one, checkpoints every epoch, evaluates on the test set, saves the model if asked.
 * Never throws: failures and interruptions come back as the result's status.
 */
export async function runTask(
  config: RunConfig,
  context: RunContext,
  initialEngine: FitEngine,
  options: RunTaskOptions,
): Promise<TaskResult> {
  return new RunTask(config, context, initialEngine, options).run();
}

/** One run's training, its state kept between the steps `run` takes. */
class RunTask {
  private readonly startedAt = new Date();
  private readonly started = performance.now();
  private readonly data: SweepData;
  private readonly checkpoints: CheckpointStore;
  /** Batches per epoch. */
  private readonly batches: number;
  private history = emptyHistory();
  private resumedFromEpoch = 0;
  private summary = '';
  private params = 0;
  private trainableParams = 0;
  private stoppedBy: RungDecision | null = null;
  /** The stretch asked for (context.stopAfterEpoch) is trained: the run stops there, its checkpoint kept. */
  private reached = false;
  /** Workers to continue with after the epoch that just ended, when the scaler proposed a move. */
  private growTo: number | null = null;
  private epochStart = performance.now();
  // Checkpoint writes complete while the next epoch trains; the run waits for them before it ends.
  private saving: Promise<void> = Promise.resolve();
  private checkpointError: unknown = null;

  constructor(
    private readonly config: RunConfig,
    private readonly context: RunContext,
    private engine: FitEngine,
    private readonly options: RunTaskOptions,
  ) {
    this.data = options.data;
    this.batches = Math.ceil(this.data.train.size / config.batchSize);
    this.checkpoints =
      context.checkpoints ??
      folderCheckpoints(context.checkpointDir, (warning) => this.progress({ note: `warning: ${warning}` }));
  }

  async run(): Promise<TaskResult> {
    let model: LayersModel | undefined;
    try {
      if (this.context.signal.aborted) throw new InterruptedError('interrupted before it started');
      model = this.build();
      await this.resume(model);
      await this.train(model);
      if (this.context.signal.aborted)
        throw new InterruptedError(`interrupted after epoch ${this.history.loss.length}`);
      if (this.stoppedBy || this.reached) {
        // A promotion (perhaps on another machine) resumes from this checkpoint: it must be written.
        await this.saving;
        if (this.checkpointError) throw this.checkpointError;
        await this.saveModel(model);
        return this.result('stopped', this.stoppedBy ? { stoppedBy: this.stoppedBy } : {});
      }
      return await this.finish(model);
    } catch (error) {
      await this.saving.catch(() => {});
      const interrupted = error instanceof InterruptedError || this.context.signal.aborted;
      return this.result(interrupted ? 'interrupted' : 'failed', { error: errorMessage(error) });
    } finally {
      model?.dispose();
    }
  }

  private build(): LayersModel {
    const model = buildCompiledModel(this.config, { inputSize: this.data.inputSize, classes: this.data.classes });
    this.summary = model.summary(undefined, undefined, () => {});
    this.params = model.countParams();
    this.trainableParams = model.trainableWeights.reduce((n, w) => n + w.size, 0);
    return model;
  }

  /** Continues from the run's checkpoint, if it has one that fits its epochs. */
  private async resume(model: LayersModel): Promise<void> {
    const checkpoint = await this.checkpoints.read();
    if (!checkpoint || checkpoint.epoch > this.config.epochs) return;
    this.engine.restore(model, checkpoint);
    const { history } = checkpoint;
    this.history = { ...history, workers: history.workers ?? history.loss.map(() => this.engine.workers) };
    this.resumedFromEpoch = checkpoint.epoch;
    this.progress({ epoch: checkpoint.epoch, note: `resumed from the checkpoint after epoch ${checkpoint.epoch}` });
    this.reached = this.isStretchEnd(checkpoint.epoch);
    // The decision at this epoch may not have been recorded before the interruption.
    const last = checkpoint.epoch - 1;
    if (last >= 0) {
      this.stoppedBy =
        this.context.shouldStop?.(checkpoint.epoch, {
          val_accuracy: this.history.val_accuracy[last]!,
          val_loss: this.history.val_loss[last]!,
        }) ?? null;
    }
  }

  /** Fits until the last epoch or a stop, moving to another engine when the scaler says so. */
  private async train(model: LayersModel): Promise<void> {
    const { config, data } = this;
    const hooks = this.hooks(model);
    while (this.history.loss.length < config.epochs && !this.stoppedBy && !this.reached) {
      this.growTo = null;
      await this.engine.fit(
        {
          runId: config.id,
          model,
          train: data.train,
          validation: data.validation,
          epochs: config.epochs,
          initialEpoch: this.history.loss.length,
          batchSize: config.batchSize,
          seed: config.seed,
        },
        hooks,
      );
      if (this.growTo === null || !this.options.scaler) break;
      // The fit ended after this epoch with the weights and optimizer state in the model: the
      // next fit continues from them on more workers, with the same data order (seed, epoch).
      const from = this.engine.workers;
      this.engine = await this.options.scaler.swap(config.id, this.engine, this.growTo);
      const why =
        this.options.scaler.reason?.(config.id) ||
        (this.engine.workers > from ? 'cores freed up' : `${from} workers were not faster`);
      const epoch = this.history.loss.length;
      this.progress({
        epoch,
        batch: 0,
        note: `continues on ${this.engine.workers} worker(s) (was ${from}) from epoch ${epoch + 1}: ${why}`,
      });
    }
  }

  private hooks(model: LayersModel): FitHooks {
    return {
      onEpochBegin: () => {
        this.epochStart = performance.now();
      },
      onBatchEnd: (epoch, batch, logs) => {
        if (this.context.signal.aborted) throw new InterruptedError(`interrupted during epoch ${epoch + 1}`);
        this.progress({
          epoch: epoch + 1,
          batch: batch + 1,
          loss: logs.loss,
          accuracy: logs.accuracy,
          workers: this.engine.workers,
        });
      },
      onEpochEnd: (epoch, logs) => this.endEpoch(model, epoch, logs),
    };
  }

  /** Records the epoch, checkpoints it, and says whether the fit should end here (a stop or a move). */
  private endEpoch(model: LayersModel, epoch: number, logs: EpochLogs): boolean {
    const { config, history } = this;
    const seconds = (performance.now() - this.epochStart) / 1000;
    this.epochStart = performance.now();
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) {
      if (!Number.isFinite(logs[key])) throw new Error(`${key} is ${logs[key]} after epoch ${epoch + 1}`);
      history[key].push(logs[key]);
    }
    history.seconds.push(seconds);
    history.workers.push(this.engine.workers);
    if (epoch + 1 < config.epochs) this.checkpoint(model, epoch);
    this.progress({
      epoch: epoch + 1,
      batch: this.batches,
      loss: logs.loss,
      accuracy: logs.accuracy,
      epochEnd: { ...logs, seconds },
    });
    const left = config.epochs - (epoch + 1);
    // At a rung, the scheduler may stop the run here: the checkpoint above keeps its model.
    this.stoppedBy = left > 0 ? (this.context.shouldStop?.(epoch + 1, logs) ?? null) : null;
    this.reached = this.isStretchEnd(epoch + 1);
    if (this.stoppedBy || this.reached) return true;
    this.growTo =
      left > 0 && !this.context.signal.aborted
        ? (this.options.scaler?.propose(config.id, this.engine.workers, seconds, left) ?? null)
        : null;
    return this.growTo !== null;
  }

  /** Whether `epoch` (1-based) ends the stretch the run was asked to train (never its last epoch). */
  private isStretchEnd(epoch: number): boolean {
    const until = this.context.stopAfterEpoch;
    return until !== undefined && until < this.config.epochs && epoch >= until;
  }

  /** Starts writing the checkpoint after `epoch` (0-based); a failed earlier write fails the run. */
  private checkpoint(model: LayersModel, epoch: number): void {
    if (this.checkpointError) throw this.checkpointError;
    const written = this.checkpoints.write({ epoch: epoch + 1, history: this.history, ...this.engine.snapshot(model) });
    const failed = (error: unknown) => {
      this.checkpointError ??= error;
    };
    this.saving = Promise.all([this.saving, written.catch(failed)]).then(() => {});
  }

  /** After the last epoch: the test set, the model file, and the checkpoint no longer needed. */
  private async finish(model: LayersModel): Promise<TaskResult> {
    const { history } = this;
    if (history.loss.length < this.config.epochs)
      throw new Error(`training stopped after ${history.loss.length} of ${this.config.epochs} epochs`);
    const test = evaluate(model, this.data.test);
    if (!Number.isFinite(test.loss)) throw new Error(`the test loss is ${test.loss}`);
    await this.saveModel(model);
    await this.saving;
    if (this.checkpointError) throw this.checkpointError;
    await this.checkpoints.remove();
    const last = history.loss.length - 1;
    return this.result('finished', {
      final: {
        loss: history.loss[last]!,
        accuracy: history.accuracy[last]!,
        valLoss: history.val_loss[last]!,
        valAccuracy: history.val_accuracy[last]!,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
      },
      testConfusion: test.confusion,
    });
  }

  private async saveModel(model: LayersModel): Promise<void> {
    if (this.options.saveModels && this.context.modelDir) await model.save(`file://${this.context.modelDir}`);
  }

  /** Reports progress (epoch and batch 0 unless given; the batch count only with a batch). */
  private progress(update: Partial<Omit<RunProgress, 'id' | 'epochs' | 'batches'>>): void {
    const { config } = this;
    this.context.onProgress({
      id: config.id,
      epochs: config.epochs,
      batches: update.batch === undefined ? 0 : this.batches,
      ...update,
      epoch: update.epoch ?? 0,
      batch: update.batch ?? 0,
    });
  }

  private result(status: RunResult['status'], extra: Partial<RunResult> = {}): TaskResult {
    const { config, data, history } = this;
    const wallSeconds = (performance.now() - this.started) / 1000;
    const trained = history.loss.length - this.resumedFromEpoch;
    return {
      id: config.id,
      configId: config.configId,
      config,
      status,
      architecture: describeArchitecture(config, data.inputSize, data.classes),
      params: this.params,
      trainableParams: this.trainableParams,
      nonTrainableParams: this.params - this.trainableParams,
      summary: this.summary,
      history,
      final: null,
      timing: {
        startedAt: this.startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        wallSeconds,
        samplesPerSecond: wallSeconds > 0 ? (trained * data.train.size) / wallSeconds : 0,
      },
      backend: this.engine.backend,
      workers: this.engine.workers,
      resumedFromEpoch: this.resumedFromEpoch,
      trainSize: data.train.size,
      ...extra,
      engine: this.engine,
    };
  }
}

/**
 * Test-set loss and accuracy with the model in inference mode, and the confusion matrix
 * (counts[actual][predicted], for the report): one more forward pass over the test set.
 */
export function evaluate(
  model: LayersModel,
  dataset: Dataset,
): { loss: number; accuracy: number; confusion: number[][] } {
  const { x, y } = dataset.toTensors(tf);
  try {
    const out = model.evaluate(x, y, { batchSize: 1000 }) as Tensor[];
    const [loss, accuracy] = out.map((t) => t.dataSync()[0]!);
    out.forEach((t) => {
      t.dispose();
    });
    return { loss: loss!, accuracy: accuracy!, confusion: confusionMatrix(model, x, y) };
  } finally {
    x.dispose();
    y.dispose();
  }
}

/** counts[actual][predicted] over a one-hot labelled set. */
function confusionMatrix(model: LayersModel, x: Tensor, y: Tensor): number[][] {
  const [predicted, actual] = tf.tidy(() => [
    tf.argMax(model.predict(x, { batchSize: 1000 }) as Tensor, -1),
    tf.argMax(y, -1),
  ]);
  try {
    const p = predicted!.dataSync();
    const a = actual!.dataSync();
    const classes = y.shape[1] ?? 0;
    const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
    for (let i = 0; i < a.length; i++) counts[a[i]!]![p[i]!]! += 1;
    return counts;
  } finally {
    predicted!.dispose();
    actual!.dispose();
  }
}
