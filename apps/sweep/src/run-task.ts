import { tf, type LayersModel, type OptimizerState, type Tensor } from '@fnn/core';
import type { Dataset } from '@fnn/data';
import { buildCompiledModel } from './build-model.js';
import type { Checkpoint } from './checkpoint.js';
import { folderCheckpoints } from './checkpoint-store.js';
import { InterruptedError, errorMessage } from './errors.js';
import type { EpochHistory, RunContext, RunResult } from './executor.js';
import { describeArchitecture, type RunConfig } from './run-config.js';
import type { RungDecision } from './search/asha.js';
import type { SweepData } from './sweep-data.js';

export interface EpochLogs {
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
}

/** What a training engine calls back while it fits. Throwing from a hook stops the fit. */
export interface FitHooks {
  /** `epoch` is 0-based; called when the epoch's training starts (after any engine start-up). */
  onEpochBegin(epoch: number): void;
  /** `batch` is 0-based within the epoch; logs are the epoch's running means. */
  onBatchEnd(epoch: number, batch: number, logs: Partial<EpochLogs>): void;
  /**
   * `epoch` is 0-based; the model holds the weights at the end of that epoch. Returning true
   * ends the fit after this epoch (the run then continues on another engine).
   */
  onEpochEnd(epoch: number, logs: EpochLogs): boolean;
}

export interface FitRequest {
  runId: string;
  model: LayersModel;
  train: Dataset;
  validation: Dataset;
  /** Train epochs `initialEpoch` (0-based) up to `epochs` (exclusive), as Keras's fit. */
  epochs: number;
  initialEpoch: number;
  batchSize: number;
  seed: number;
}

/** One way of training a compiled model on this machine: single-thread `model.fit` or data-parallel. */
export interface FitEngine {
  readonly workers: number;
  readonly backend: string;
  fit(request: FitRequest, hooks: FitHooks): Promise<void>;
  /** Weights and optimizer state of the model being fitted, for a checkpoint at an epoch end. */
  snapshot(model: LayersModel): { weights: Checkpoint['weights']; optimizer: OptimizerState | null };
  /** Puts a checkpoint's weights and optimizer state into a freshly built model. */
  restore(model: LayersModel, checkpoint: Checkpoint): void;
  close(): Promise<void>;
}

/** Lets a run move to an engine with more workers between epochs, when cores free up. */
export interface RunScaler {
  /**
   * At an epoch end: the number of workers to continue with, or null to keep the engine.
   * `epochSeconds` is how long the epoch just finished took on `workers` workers.
   */
  propose(runId: string, workers: number, epochSeconds: number, epochsLeft: number): number | null;
  /** Hands back `engine` and returns one with `workers` workers. */
  swap(runId: string, engine: FitEngine, workers: number): Promise<FitEngine>;
}

export interface RunTaskOptions {
  saveModels: boolean;
  data: SweepData;
  scaler?: RunScaler;
}

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
): Promise<RunResult & { engine: FitEngine }> {
  let engine = initialEngine;
  const startedAt = new Date();
  const started = performance.now();
  const { data } = options;
  let model: LayersModel | undefined;
  let history = emptyHistory();
  let resumedFromEpoch = 0;
  let summary = '';
  let params = 0;
  let trainableParams = 0;
  let stoppedBy: RungDecision | null = null;
  const checkpoints =
    context.checkpoints ??
    folderCheckpoints(context.checkpointDir, (warning) =>
      context.onProgress({
        id: config.id,
        epoch: 0,
        epochs: config.epochs,
        batch: 0,
        batches: 0,
        note: `warning: ${warning}`,
      }),
    );
  // Checkpoint writes complete while the next epoch trains; the run waits for them before it ends.
  let saving: Promise<void> = Promise.resolve();
  let checkpointError: unknown = null;
  const checkpointed = async () => {
    await saving;
    if (checkpointError) throw checkpointError;
  };
  const result = (status: RunResult['status'], extra: Partial<RunResult> = {}): RunResult & { engine: FitEngine } => {
    const wallSeconds = (performance.now() - started) / 1000;
    const trained = history.loss.length - resumedFromEpoch;
    return {
      id: config.id,
      configId: config.configId,
      config,
      status,
      architecture: describeArchitecture(config, data.inputSize, data.classes),
      params,
      trainableParams,
      nonTrainableParams: params - trainableParams,
      summary,
      history,
      final: null,
      timing: {
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        wallSeconds,
        samplesPerSecond: wallSeconds > 0 ? (trained * data.train.size) / wallSeconds : 0,
      },
      backend: engine.backend,
      workers: engine.workers,
      resumedFromEpoch,
      trainSize: data.train.size,
      ...extra,
      engine,
    };
  };

  try {
    if (context.signal.aborted) throw new InterruptedError('interrupted before it started');
    model = buildCompiledModel(config, { inputSize: data.inputSize, classes: data.classes });
    summary = model.summary(undefined, undefined, () => {});
    params = model.countParams();
    trainableParams = model.trainableWeights.reduce((n, w) => n + w.size, 0);

    const checkpoint = await checkpoints.read();
    if (checkpoint && checkpoint.epoch <= config.epochs) {
      engine.restore(model, checkpoint);
      history = {
        ...checkpoint.history,
        workers: checkpoint.history.workers ?? checkpoint.history.loss.map(() => engine.workers),
      };
      resumedFromEpoch = checkpoint.epoch;
      context.onProgress({
        id: config.id,
        epoch: checkpoint.epoch,
        epochs: config.epochs,
        batch: 0,
        batches: 0,
        note: `resumed from the checkpoint after epoch ${checkpoint.epoch}`,
      });
      // The decision at this epoch may not have been recorded before the interruption.
      const last = checkpoint.epoch - 1;
      if (last >= 0) {
        stoppedBy =
          context.shouldStop?.(checkpoint.epoch, {
            val_accuracy: history.val_accuracy[last]!,
            val_loss: history.val_loss[last]!,
          }) ?? null;
      }
    }

    const batches = Math.ceil(data.train.size / config.batchSize);
    let epochStart = performance.now();
    const trainedModel = model;
    let growTo: number | null = null;
    const hooks: FitHooks = {
      onEpochBegin: () => {
        epochStart = performance.now();
      },
      onBatchEnd: (epoch, batch, logs) => {
        if (context.signal.aborted) throw new InterruptedError(`interrupted during epoch ${epoch + 1}`);
        context.onProgress({
          id: config.id,
          epoch: epoch + 1,
          epochs: config.epochs,
          batch: batch + 1,
          batches,
          loss: logs.loss,
          accuracy: logs.accuracy,
          workers: engine.workers,
        });
      },
      onEpochEnd: (epoch, logs) => {
        const seconds = (performance.now() - epochStart) / 1000;
        epochStart = performance.now();
        for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) {
          if (!Number.isFinite(logs[key])) throw new Error(`${key} is ${logs[key]} after epoch ${epoch + 1}`);
          history[key].push(logs[key]);
        }
        history.seconds.push(seconds);
        history.workers.push(engine.workers);
        if (epoch + 1 < config.epochs) {
          if (checkpointError) throw checkpointError;
          const written = checkpoints.write({ epoch: epoch + 1, history, ...engine.snapshot(trainedModel) });
          saving = Promise.all([saving, written.catch((error) => void (checkpointError ??= error))]).then(() => {});
        }
        context.onProgress({
          id: config.id,
          epoch: epoch + 1,
          epochs: config.epochs,
          batch: batches,
          batches,
          loss: logs.loss,
          accuracy: logs.accuracy,
          epochEnd: { ...logs, seconds },
        });
        const left = config.epochs - (epoch + 1);
        // At a rung, the scheduler may stop the run here: the checkpoint above keeps its model.
        stoppedBy = left > 0 ? (context.shouldStop?.(epoch + 1, logs) ?? null) : null;
        if (stoppedBy) return true;
        growTo =
          left > 0 && !context.signal.aborted
            ? (options.scaler?.propose(config.id, engine.workers, seconds, left) ?? null)
            : null;
        return growTo !== null;
      },
    };
    while (history.loss.length < config.epochs && !stoppedBy) {
      growTo = null;
      await engine.fit(
        {
          runId: config.id,
          model,
          train: data.train,
          validation: data.validation,
          epochs: config.epochs,
          initialEpoch: history.loss.length,
          batchSize: config.batchSize,
          seed: config.seed,
        },
        hooks,
      );
      if (growTo === null || !options.scaler) break;
      // The fit ended after this epoch with the weights and optimizer state in the model: the
      // next fit continues from them on more workers, with the same data order (seed, epoch).
      const from = engine.workers;
      engine = await options.scaler.swap(config.id, engine, growTo);
      const why = engine.workers > from ? 'cores freed up' : `${from} workers were not faster`;
      context.onProgress({
        id: config.id,
        epoch: history.loss.length,
        epochs: config.epochs,
        batch: 0,
        batches,
        note: `continues on ${engine.workers} worker(s) (was ${from}) from epoch ${history.loss.length + 1}: ${why}`,
      });
    }
    if (context.signal.aborted) throw new InterruptedError(`interrupted after epoch ${history.loss.length}`);
    if (stoppedBy) {
      if (options.saveModels && context.modelDir) await model.save(`file://${context.modelDir}`);
      return result('stopped', { stoppedBy });
    }
    if (history.loss.length < config.epochs)
      throw new Error(`training stopped after ${history.loss.length} of ${config.epochs} epochs`);

    const test = evaluate(model, data.test);
    if (!Number.isFinite(test.loss)) throw new Error(`the test loss is ${test.loss}`);
    if (options.saveModels && context.modelDir) await model.save(`file://${context.modelDir}`);
    await checkpointed();
    await checkpoints.remove();
    const last = history.loss.length - 1;
    return result('finished', {
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
  } catch (error) {
    await saving.catch(() => {});
    const interrupted = error instanceof InterruptedError || context.signal.aborted;
    return result(interrupted ? 'interrupted' : 'failed', { error: errorMessage(error) });
  } finally {
    model?.dispose();
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
    out.forEach((t) => t.dispose());
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
