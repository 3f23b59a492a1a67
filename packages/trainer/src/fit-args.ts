import { ValueError, defaultVerbose, type CallbackLike, type FitArgs, type Tensor } from '@fnn/core';
import type { Dataset } from '@fnn/data';
import { describeValue } from './errors.js';
import type { BatchProgressHook } from './main-thread/batch-progress.js';

/** model.fit's arguments (same meaning and defaults), with validation data that may be a Dataset. */
export interface DataParallelFitArgs extends Omit<FitArgs, 'validationData' | 'validationSplit'> {
  /** `[x, y]` tensors (lists for several inputs or outputs) or a Dataset, evaluated after each epoch (`val_loss`, `val_accuracy`, ...). */
  validationData?: [Tensor | Tensor[], Tensor | Tensor[]] | Dataset;
  /**
   * Observe-only progress: `{epoch, batch, batches, logs}` after a completed batch, at most every
   * 200 ms and always for an epoch's last batch. Unlike batch callbacks it never makes the
   * workers wait for the main thread.
   */
  onBatchProgress?: BatchProgressHook;
}

/** The fit arguments with their defaults, checked (errors name the argument and the value). */
export interface ResolvedFitArgs {
  epochs: number;
  batchSize: number;
  initialEpoch: number;
  verbose: 0 | 1 | 2;
  seed: number;
  shuffle: boolean;
  callbacks: CallbackLike[];
}

export function resolveFitArgs(args: DataParallelFitArgs, owner: string): ResolvedFitArgs {
  const epochs = positiveInteger(args.epochs ?? 1, 'epochs', owner);
  const batchSize = positiveInteger(args.batchSize ?? 32, 'batchSize', owner);
  const initialEpoch = args.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0)
    throw new ValueError(
      `${owner}: expected initialEpoch to be an integer >= 0, but got ${describeValue(initialEpoch)}.`,
    );
  const verbose = args.verbose ?? defaultVerbose();
  if (verbose !== 0 && verbose !== 1 && verbose !== 2)
    throw new ValueError(`${owner}: expected verbose to be 0, 1 or 2, but got ${describeValue(verbose)}.`);
  const seed = args.seed ?? Math.floor(Math.random() * 2 ** 32);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    throw new ValueError(`${owner}: expected seed to be an integer in [0, 2^32), but got ${describeValue(seed)}.`);
  const shuffle = args.shuffle ?? true;
  if (typeof shuffle !== 'boolean')
    throw new ValueError(`${owner}: expected shuffle to be a boolean, but got ${describeValue(shuffle)}.`);
  const callbacks =
    args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  return { epochs, batchSize, initialEpoch, verbose, seed, shuffle, callbacks };
}

function positiveInteger(value: unknown, argument: string, owner: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValueError(`${owner}: expected ${argument} to be an integer >= 1, but got ${describeValue(value)}.`);
  }
  return value;
}
