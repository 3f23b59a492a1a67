import { RuntimeError } from '../errors.js';
import { mixSeeds } from '../random.js';
import type { TrainableModel } from '../models/model-interface.js';
import { CallbackList, type CallbackLike, type TrainingParams } from './callbacks/callback.js';
import { History } from './history.js';
import { ProgressLogger, type ProgressOutput } from './progress.js';
import { batchesOf, epochOrder } from './data-adapter.js';
import type { Logs } from './train-step.js';
import { batchProgressCallback, type BatchProgressHook } from './batch-progress.js';

/** One step of the loop: which samples, and the seed its dropout masks derive from. */
export interface BatchSpec {
  /** 0-based epoch. */
  epoch: number;
  /** 0-based batch within the epoch. */
  batch: number;
  /** Sample indices of this batch into the training data (shuffled per epoch when asked). */
  indices: Int32Array;
  /** `stepSeed(seed, epoch, batch)`: seed a `SeededRandom` with it (data-parallel workers mix in their index). */
  seed: number;
}

export interface TrainingLoopArgs {
  /** Train until this epoch (exclusive), as Keras's `epochs`. */
  epochs: number;
  /** First epoch (0-based), to resume. Default 0. */
  initialEpoch?: number;
  numSamples: number;
  batchSize: number;
  /** Shuffle the sample order each epoch (permutation fixed by seed and epoch). Default true. */
  shuffle?: boolean;
  /** 32-bit seed for shuffling and per-step randomness. */
  seed: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose: 0 | 1 | 2;
  callbacks?: CallbackLike[];
  /** Keys of the logs `trainBatch` returns, in display order (`model.compiled.logKeys`). */
  logKeys: string[];
  /** Runs one optimizer step and returns the batch's mean loss and metrics. */
  trainBatch(spec: BatchSpec): Logs | Promise<Logs>;
  /** Loss and metrics on the validation data (keys without `val_`), after each epoch. */
  validate?(): Logs | Promise<Logs>;
  /** Where progress goes (tests). */
  progress?: ProgressOutput;
  /** Names the caller in errors, e.g. `fit (model m)`. Default `fit`. */
  caller?: string;
  /** Observes batches, throttled (`batchProgressCallback`); it cannot change training. */
  onBatchProgress?: BatchProgressHook;
}

/** The seed of one training step, derived from the run's seed, the epoch and the batch. */
export function stepSeed(seed: number, epoch: number, batch: number): number {
  return mixSeeds(mixSeeds(seed, epoch), batch);
}

/** The error a NaN or infinite batch loss raises, naming the epoch and batch (both 1-based). */
export function nonFiniteLossError(
  loss: number,
  at: { epoch: number; batch: number; epochs: number; steps: number },
  caller = 'fit',
): RuntimeError {
  return new RuntimeError(
    `${caller}: the loss became ${loss} at epoch ${at.epoch + 1}/${at.epochs}, batch ${at.batch + 1}/${at.steps}; training stopped. ` +
      'Lower the learning rate, or check the data for NaN or infinite values.',
  );
}

/**
 * `fit`'s epoch loop, independent of how a step is computed: for each epoch it orders the
 * samples, runs `trainBatch` per batch, keeps the sample-weighted running means of the batch
 * logs (what Keras logs), evaluates `validate`, and drives callbacks, progress and History.
 * Stops after the batch or epoch in which a callback sets `model.stopTraining`, and with an
 * error on a NaN or infinite loss. A data-parallel trainer supplies its own `trainBatch`.
 */
export async function runTrainingLoop(model: TrainableModel, args: TrainingLoopArgs): Promise<History> {
  const initialEpoch = args.initialEpoch ?? 0;
  const steps = Math.ceil(args.numSamples / args.batchSize);
  const keys = args.logKeys;
  const params: TrainingParams = {
    epochs: args.epochs,
    initialEpoch,
    steps,
    samples: args.numSamples,
    batchSize: args.batchSize,
    verbose: args.verbose,
    metrics: [...keys, ...(args.validate ? keys.map((k) => `val_${k}`) : [])],
  };
  const history = new History();
  const progress = args.verbose > 0 ? new ProgressLogger(args.verbose as 1 | 2, args.progress) : undefined;
  const callbacks = new CallbackList(
    [
      ...(progress ? [progress] : []),
      ...(args.onBatchProgress ? [batchProgressCallback(args.onBatchProgress, steps)] : []),
      ...(args.callbacks ?? []),
      history,
    ],
    model,
    params,
  );
  model.stopTraining = false;
  try {
    await callbacks.trainBegin();
    let lastLogs: Logs = {};
    for (let epoch = initialEpoch; epoch < args.epochs; epoch++) {
      await callbacks.epochBegin(epoch);
      const batches = batchesOf(epochOrder(args.numSamples, args.shuffle ?? true, args.seed, epoch), args.batchSize);
      const sums = new Float64Array(keys.length);
      let seen = 0;
      let running: Logs = {};
      for (let batch = 0; batch < batches.length; batch++) {
        const indices = batches[batch]!;
        await callbacks.batchBegin(batch, {});
        const spec: BatchSpec = { epoch, batch, indices, seed: stepSeed(args.seed, epoch, batch) };
        const logs = await args.trainBatch(spec);
        const loss = logs.loss;
        if (loss === undefined || !Number.isFinite(loss))
          throw nonFiniteLossError(loss ?? NaN, { ...spec, epochs: args.epochs, steps }, args.caller);
        seen += indices.length;
        running = {};
        keys.forEach((key, k) => {
          sums[k]! += (logs[key] ?? NaN) * indices.length;
          running[key] = sums[k]! / seen;
        });
        await callbacks.batchEnd(batch, running);
        if (model.stopTraining) break;
      }
      const epochLogs: Logs = { ...running };
      if (args.validate) {
        const validation = await args.validate();
        for (const key of keys) epochLogs[`val_${key}`] = validation[key] ?? NaN;
      }
      await callbacks.epochEnd(epoch, epochLogs);
      lastLogs = epochLogs;
      if (model.stopTraining) break;
    }
    await callbacks.trainEnd(lastLogs);
  } catch (error) {
    progress?.abort();
    throw error;
  }
  return history;
}
