/*
 * One training step, and the API a data-parallel trainer builds on.
 *
 * - `computeGradients(model, inputs, targets, context)` → `{loss, metrics, gradients}`: the
 *   forward pass (with a tape) in `context`'s mode, the compiled losses and their gradients
 *   w.r.t. the outputs, and `model.backward`. `loss` is the scalar mean loss over these samples
 *   (summed over outputs), `metrics` are scalar means keyed by Keras log names without `val_`
 *   (`accuracy`; with several outputs also `<output>_loss`, `<output>_<metric>`), `gradients`
 *   are d(mean loss)/d(w) in `model.trainableWeights` order. Call it inside `tf.tidy`.
 * - `model.compiled.optimizer.applyGradients(model.trainableWeights, gradients)` (or
 *   `applyGradientArrays` with Float32Arrays) updates the variables in place; the optimizer
 *   holds its state. A worker re-creates the same compile configuration from
 *   `serializeCompileArgs(model.compiled)` with `compileModel(model, json)`.
 * - `trainStep(model, inputs, targets, context, beforeUpdate?)` is computeGradients + the
 *   update, returning the batch's logs as numbers (one readback); `beforeUpdate` sees the logs
 *   before the weights change (fit uses it to stop on a NaN loss with the weights intact).
 * - `runTrainingLoop` (training-loop.ts) is `fit`'s epoch loop over a `trainBatch(spec)`
 *   function: shuffling, callbacks, progress, epoch logs, validation, early stopping.
 */
import { tf, type Tensor } from '../tf.js';
import type { CallContext } from '../engine/context.js';
import type { Tape } from '../engine/graph.js';
import type { LayersModel } from '../models/model.js';
import type { LayerWeight } from '../layers/layer-weight.js';
import { ValueError } from '../errors.js';
import { requireCompiled, type CompiledState } from './compile.js';

/** Batch or epoch logs: Keras's log names to numbers. */
export type Logs = Record<string, number>;

export interface GradientResult {
  /** Scalar mean loss over the samples (summed over outputs). */
  loss: Tensor;
  /** Scalar means, keyed by log name (without `val_`). */
  metrics: Record<string, Tensor>;
  /** d(loss)/d(w), in `model.trainableWeights` order. */
  gradients: Tensor[];
}

/** Loss, metrics and weight gradients for one batch. Call inside `tf.tidy`. */
export function computeGradients(model: LayersModel, inputs: Tensor[], targets: Tensor[], context: CallContext): GradientResult {
  const compiled = requireCompiled(model, 'computeGradients');
  checkTargetCount(compiled, targets);
  const tape: Tape = { entries: [] };
  const outputs = model.forward(inputs, context, tape);
  const losses: Tensor[] = [];
  const outputGradients: Tensor[] = [];
  compiled.outputs.forEach((output, i) => {
    const { value, gradient } = output.loss.valueAndGradient(targets[i]!, outputs[i]!);
    losses.push(value);
    outputGradients.push(gradient);
  });
  const gradients = model.backward(tape, outputGradients, context);
  const { loss, metrics } = lossAndMetrics(compiled, losses, outputs, targets);
  return { loss, metrics, gradients };
}

/** Loss and metrics (keyed as in `computeGradients`, plus `loss`) without gradients, in inference mode unless `context` says otherwise. Call inside `tf.tidy`. */
export function computeLossAndMetrics(model: LayersModel, inputs: Tensor[], targets: Tensor[], context: CallContext): Record<string, Tensor> {
  const compiled = requireCompiled(model, 'evaluate');
  checkTargetCount(compiled, targets);
  const outputs = model.forward(inputs, context);
  const losses = compiled.outputs.map((output, i) => output.loss.value(targets[i]!, outputs[i]!));
  const { loss, metrics } = lossAndMetrics(compiled, losses, outputs, targets);
  return { loss, ...metrics };
}

function lossAndMetrics(compiled: CompiledState, losses: Tensor[], outputs: Tensor[], targets: Tensor[]) {
  const single = compiled.outputs.length === 1;
  const metrics: Record<string, Tensor> = {};
  compiled.outputs.forEach((output, i) => {
    if (!single) metrics[`${output.name}_loss`] = losses[i]!;
    for (const m of output.metrics) metrics[single ? m.key : `${output.name}_${m.key}`] = m.metric.compute(targets[i]!, outputs[i]!);
  });
  return { loss: single ? losses[0]! : tf.addN(losses), metrics };
}

/** Reads scalar tensors back in one transfer, as logs in `compiled.logKeys` order. */
export function readLogs(compiled: CompiledState, scalars: Record<string, Tensor>): Logs {
  const keys = compiled.logKeys;
  const values = tf.tidy(() => tf.stack(keys.map((k) => scalars[k]!)).dataSync());
  const logs: Logs = {};
  keys.forEach((k, i) => (logs[k] = values[i]!));
  return logs;
}

/**
 * One optimizer step on a batch: gradients, then `beforeUpdate(logs)` (may throw to skip the
 * update), then the optimizer on `weights` (default `model.trainableWeights`). Returns the batch's mean loss and metrics. Leaves no tensors.
 */
export function trainStep(
  model: LayersModel,
  inputs: Tensor[],
  targets: Tensor[],
  context: CallContext,
  beforeUpdate?: (logs: Logs) => void,
  weights: LayerWeight[] = model.trainableWeights,
): Logs {
  const compiled = requireCompiled(model, 'trainStep');
  return tf.tidy(() => {
    const { loss, metrics, gradients } = computeGradients(model, inputs, targets, context);
    const logs = readLogs(compiled, { loss, ...metrics });
    beforeUpdate?.(logs);
    compiled.optimizer.applyGradients(weights, gradients);
    return logs;
  });
}

function checkTargetCount(compiled: CompiledState, targets: Tensor[]): void {
  if (targets.length !== compiled.outputs.length) {
    throw new ValueError(`expected one target tensor per model output (${compiled.outputs.length}), but got ${targets.length}.`);
  }
}
