import { tf, type Tensor } from '../tf.js';
import { RuntimeError, ValueError, describeValue } from '../errors.js';
import { formatShape } from '../shape.js';
import { SeededRandom, randomSeed } from '../random.js';
import type { LayersModel } from '../models/model.js';
import { requireCompiled } from './compile.js';
import { checkData, checkPositiveInteger, gatherRows, splitData, toList, type TrainingData } from './data-adapter.js';
import { evaluateLogs } from './evaluate.js';
import type { History } from './history.js';
import { defaultVerbose, type ProgressOutput } from './progress.js';
import { trainStep } from './train-step.js';
import { nonFiniteLossError, runTrainingLoop } from './training-loop.js';
import type { CallbackLike } from './callbacks/callback.js';

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
  /** Where progress is written (for tests); default stdout. */
  progress?: ProgressOutput;
}

/** Models inside `fit`: a second fit at once would interleave its epochs with the first's on one optimizer. */
const fitting = new WeakSet<LayersModel>();

/** `model.fit`: trains with the compiled optimizer and loss, as Keras's `fit`. */
export async function fitModel(
  model: LayersModel,
  x: Tensor | Tensor[],
  y: Tensor | Tensor[],
  args: FitArgs = {},
): Promise<History> {
  const owner = `fit (model ${model.name})`;
  if (fitting.has(model))
    throw new RuntimeError(`${owner}: another fit is still running on this model; await it first.`);
  const compiled = requireCompiled(model, 'fit');
  const batchSize = checkPositiveInteger(args.batchSize ?? 32, 'batchSize', owner);
  const epochs = checkPositiveInteger(args.epochs ?? 1, 'epochs', owner);
  const initialEpoch = args.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) {
    throw new ValueError(
      `${owner}: expected initialEpoch to be a non-negative integer, but got ${describeValue(initialEpoch)}.`,
    );
  }
  const verbose = args.verbose ?? defaultVerbose();
  if (verbose !== 0 && verbose !== 1 && verbose !== 2)
    throw new ValueError(`${owner}: expected verbose to be 0, 1 or 2, but got ${describeValue(verbose)}.`);
  const seed = args.seed ?? randomSeed();
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ValueError(`${owner}: expected seed to be an integer in [0, 2^32), but got ${describeValue(seed)}.`);
  }

  const inputs = toList(x, 'x', owner);
  const targets = toList(y, 'y', owner);
  const numSamples = checkData(model, inputs, targets, owner, compiled);
  if (numSamples === 0) throw new ValueError(`${owner}: expected at least one training sample, but x and y are empty.`);
  let train: TrainingData = { inputs, targets, numSamples };
  let validation: TrainingData | undefined;
  const owned: Tensor[] = [];
  if (args.validationData !== undefined) {
    const [vx, vy] = validationPair(args.validationData, owner);
    const vInputs = toList(vx, 'validationData x', `${owner} validationData`);
    const vTargets = toList(vy, 'validationData y', `${owner} validationData`);
    validation = {
      inputs: vInputs,
      targets: vTargets,
      numSamples: checkData(model, vInputs, vTargets, `${owner} validationData`, compiled),
    };
  } else if (args.validationSplit !== undefined && args.validationSplit !== 0) {
    ({ train, validation } = splitData(train, args.validationSplit, owner));
    owned.push(...train.inputs, ...train.targets, ...validation.inputs, ...validation.targets);
  }

  const weights = model.trainableWeights;
  const steps = Math.ceil(train.numSamples / batchSize);
  fitting.add(model); // after the checks, with no await since the has() above
  try {
    return await runTrainingLoop(model, {
      epochs,
      initialEpoch,
      numSamples: train.numSamples,
      batchSize,
      shuffle: args.shuffle ?? true,
      seed,
      verbose,
      callbacks: args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks],
      logKeys: compiled.logKeys,
      progress: args.progress,
      caller: owner,
      trainBatch: (spec) =>
        tf.tidy(() => {
          const context = { training: true, random: new SeededRandom(spec.seed) };
          const batchInputs = gatherRows(train.inputs, spec.indices);
          const batchTargets = gatherRows(train.targets, spec.indices);
          return trainStep(
            model,
            batchInputs,
            batchTargets,
            context,
            (logs) => {
              // Checked before the update, so the weights keep their last finite values.
              if (!Number.isFinite(logs.loss)) throw nonFiniteLossError(logs.loss!, spec, epochs, steps, owner);
            },
            weights,
          );
        }),
      validate: validation ? () => evaluateLogs(model, validation, batchSize) : undefined,
    });
  } finally {
    fitting.delete(model);
    for (const t of owned) t.dispose();
  }
}

function validationPair(value: unknown, owner: string): [Tensor | Tensor[], Tensor | Tensor[]] {
  if (Array.isArray(value) && value.length === 2) return value as [Tensor | Tensor[], Tensor | Tensor[]];
  const received =
    value instanceof tf.Tensor
      ? `a tensor of shape ${formatShape(value.shape)}`
      : Array.isArray(value)
        ? `an array of ${value.length} item(s)`
        : describeValue(value);
  throw new ValueError(
    `${owner}: expected validationData to be [x, y] (each a tensor or an array of tensors), but got ${received}.`,
  );
}
