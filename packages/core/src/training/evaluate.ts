import { tf, type Tensor } from '../tf.js';
import { inferenceContext } from '../engine/context.js';
import type { TrainableModel } from '../models/model-interface.js';
import { requireCompiled } from './compile.js';
import { checkData, checkPositiveInteger, gatherRows, toList, type TrainingData } from './data-adapter.js';
import { computeLossAndMetrics, readLogs, type Logs } from './train-step.js';

export interface EvaluateArgs {
  /** Samples per batch. Default 32. */
  batchSize?: number;
}

/**
 * Loss and metrics over all samples of `data` in inference mode, in batches: the
 * sample-weighted mean of the batch means (the exact mean over samples). Keys as in the
 * batch logs (`loss`, `accuracy`). Leaves no tensors.
 */
export function evaluateLogs(model: TrainableModel, data: TrainingData, batchSize: number): Logs {
  const compiled = requireCompiled(model, 'evaluate');
  const keys = compiled.logKeys;
  const sums = new Float64Array(keys.length);
  const context = inferenceContext();
  const all = Int32Array.from({ length: data.numSamples }, (_, i) => i);
  for (let start = 0; start < data.numSamples; start += batchSize) {
    const indices = all.subarray(start, Math.min(start + batchSize, data.numSamples));
    const logs = tf.tidy(() => {
      const inputs = gatherRows(data.inputs, indices);
      const targets = gatherRows(data.targets, indices);
      return readLogs(compiled, computeLossAndMetrics(model, inputs, targets, context));
    });
    keys.forEach((key, k) => {
      sums[k]! += logs[key]! * indices.length;
    });
  }
  return Object.fromEntries(keys.map((key, k) => [key, sums[k]! / data.numSamples]));
}

/**
 * `model.evaluate(x, y, {batchSize})`: the loss, or `[loss, ...metrics]` when metrics were
 * compiled or the model has several outputs, as scalar tensors (tfjs-layers' return form).
 */
export function evaluateModel(
  model: TrainableModel,
  x: Tensor | Tensor[],
  y: Tensor | Tensor[],
  args: EvaluateArgs = {},
): Tensor | Tensor[] {
  const owner = `evaluate (model ${model.name})`;
  const compiled = requireCompiled(model, 'evaluate');
  const batchSize = checkPositiveInteger(args.batchSize ?? 32, 'batchSize', owner);
  const inputs = toList(x, 'x', owner);
  const targets = toList(y, 'y', owner);
  const numSamples = checkData(model, { x: inputs, y: targets }, owner, compiled);
  const logs = evaluateLogs(model, { inputs, targets, numSamples }, batchSize);
  const scalars = compiled.logKeys.map((key) => tf.scalar(logs[key]!));
  return scalars.length === 1 ? scalars[0]! : scalars;
}
