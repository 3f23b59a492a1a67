import type { Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { randomSeed } from '../random.js';
import type { CallbackLike } from './callbacks/callback.js';
import { checkPositiveInteger } from './data-adapter.js';
import { defaultVerbose, type ProgressOutput } from './progress.js';
import type { BatchProgressHook } from './batch-progress.js';

export interface FitArgs {
  /** Train until this epoch. Default 1. */
  epochs?: number;
  /** Samples per gradient step; the last batch of an epoch may be smaller. Default 32. */
  batchSize?: number;
  /** `[x, y]` evaluated after each epoch (logged as `val_loss`, `val_accuracy`, ...). */
  validationData?: [Tensor | Tensor[], Tensor | Tensor[]];
  /** Fraction of the samples, taken from the end before shuffling, used as validation data. */
  validationSplit?: number;
  /** Shuffle the training samples before each epoch. Default true. */
  shuffle?: boolean;
  /** 32-bit seed of the shuffling and dropout masks: the same seed gives bit-identical weights. Random by default. */
  seed?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch. Default 1 on a terminal, 2 otherwise. */
  verbose?: 0 | 1 | 2;
  /** Callback objects (`{onEpochEnd(epoch, logs) {...}}`) or instances (`callbacks.earlyStopping(...)`). */
  callbacks?: CallbackLike | CallbackLike[];
  /** Epoch to start from (0-based), to resume training. Default 0. */
  initialEpoch?: number;
  /**
   * Observe-only progress: `{epoch, batch, batches, logs}` after a completed batch (0-based epoch
   * and batch, the running batch logs), at most every 200 ms and always for an epoch's last
   * batch. Unlike a batch callback it cannot stop training, so it never makes a data-parallel
   * trainer's workers wait for the main thread.
   */
  onBatchProgress?: BatchProgressHook;
  /** Where progress is written (for tests); default stdout. */
  progress?: ProgressOutput;
}

/** The arguments every `fit` shares (model.fit's and the data-parallel trainer's), checked, with defaults. */
export interface ResolvedFitArgs {
  epochs: number;
  batchSize: number;
  initialEpoch: number;
  verbose: 0 | 1 | 2;
  seed: number;
  shuffle: boolean;
  callbacks: CallbackLike[];
  onBatchProgress: BatchProgressHook | undefined;
}

type SharedFitArgs = Pick<
  FitArgs,
  'epochs' | 'batchSize' | 'initialEpoch' | 'verbose' | 'seed' | 'shuffle' | 'callbacks' | 'onBatchProgress'
>;

/** Checks `fit`'s arguments and fills in Keras's defaults; errors name `owner`, the argument and the value. */
export function resolveFitArgs(args: SharedFitArgs, owner: string): ResolvedFitArgs {
  const fail = (argument: string, expected: string, value: unknown) =>
    new ValueError(`${owner}: expected ${argument} to be ${expected}, but got ${describeValue(value)}.`);
  const epochs = checkPositiveInteger(args.epochs ?? 1, 'epochs', owner);
  const batchSize = checkPositiveInteger(args.batchSize ?? 32, 'batchSize', owner);
  const initialEpoch = args.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0)
    throw fail('initialEpoch', 'a non-negative integer', initialEpoch);
  const verbose = args.verbose ?? defaultVerbose();
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw fail('verbose', '0, 1 or 2', verbose);
  const seed = args.seed ?? randomSeed();
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw fail('seed', 'an integer in [0, 2^32)', seed);
  const shuffle = args.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw fail('shuffle', 'a boolean', shuffle);
  const onBatchProgress = args.onBatchProgress;
  if (onBatchProgress !== undefined && typeof onBatchProgress !== 'function')
    throw fail('onBatchProgress', 'a function', onBatchProgress);
  const callbacks =
    args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  return { epochs, batchSize, initialEpoch, verbose, seed, shuffle, callbacks, onBatchProgress };
}
