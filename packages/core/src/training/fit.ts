import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { formatShape } from '../shape.js';
import { SeededRandom } from '../random.js';
import type { TrainableModel } from '../models/model-interface.js';
import { requireCompiled } from './compile.js';
import { checkData, gatherRows, splitData, toList, type TrainingData } from './data-adapter.js';
import { evaluateLogs } from './evaluate.js';
import { beginTraining } from './exclusive-training.js';
import type { History } from './history.js';
import { resolveFitArgs, type FitArgs } from './fit-args.js';
import { trainStep, type Logs } from './train-step.js';
import { nonFiniteLossError, runTrainingLoop } from './training-loop.js';

/** `model.fit`: trains with the compiled optimizer and loss, as Keras's `fit`. */
export async function fitModel(
  model: TrainableModel,
  x: Tensor | Tensor[],
  y: Tensor | Tensor[],
  args: FitArgs = {},
): Promise<History> {
  const owner = `fit (model ${model.name})`;
  const compiled = requireCompiled(model, 'fit');
  const resolved = resolveFitArgs(args, owner);
  const { batchSize, epochs } = resolved;

  const inputs = toList(x, 'x', owner);
  const targets = toList(y, 'y', owner);
  const numSamples = checkData(model, { x: inputs, y: targets }, owner, compiled);
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
      numSamples: checkData(model, { x: vInputs, y: vTargets }, `${owner} validationData`, compiled),
    };
  } else if (args.validationSplit !== undefined && args.validationSplit !== 0) {
    ({ train, validation } = splitData(train, args.validationSplit, owner));
    owned.push(...train.inputs, ...train.targets, ...validation.inputs, ...validation.targets);
  }

  const weights = model.trainableWeights;
  const steps = Math.ceil(train.numSamples / batchSize);
  const endTraining = beginTraining(model, owner); // after the checks: they do not need the model to themselves
  try {
    return await runTrainingLoop(model, {
      ...resolved,
      numSamples: train.numSamples,
      logKeys: compiled.logKeys,
      progress: args.progress,
      caller: owner,
      trainBatch: (spec) =>
        tf.tidy(() => {
          const context = { training: true, random: new SeededRandom(spec.seed) };
          const batchInputs = gatherRows(train.inputs, spec.indices);
          const batchTargets = gatherRows(train.targets, spec.indices);
          const beforeUpdate = (logs: Logs) => {
            // Checked before the update, so the weights keep their last finite values.
            if (!Number.isFinite(logs.loss)) throw nonFiniteLossError(logs.loss!, { ...spec, epochs, steps }, owner);
          };
          return trainStep(model, { inputs: batchInputs, targets: batchTargets }, context, { beforeUpdate, weights });
        }),
      validate: validation ? () => evaluateLogs(model, validation, batchSize) : undefined,
    });
  } finally {
    endTraining();
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
