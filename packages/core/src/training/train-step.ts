// One training step: a batch's gradients, its logs, and the optimizer update. The contract these
// functions keep with @fnn/trainer is described in the package README ("The training contract").
import { tf, type Tensor } from '../tf.js';
import type { CallContext } from '../engine/context.js';
import type { Tape } from '../engine/graph.js';
import type { TrainableModel } from '../models/model-interface.js';
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

/** What a data-parallel trainer may hook into a gradient computation, to overlap its exchange with it. */
export interface GradientHooks {
  /** After the forward pass, before the backward pass: the loss and metrics of the batch. */
  afterLoss?(loss: Tensor, metrics: Record<string, Tensor>): void;
  /** During the backward pass: each trainable weight's gradient as soon as it is final. */
  onWeightGradient?(weight: LayerWeight, gradient: Tensor): void;
}

/** One batch: a tensor per model input and a target tensor per output. */
export interface Batch {
  inputs: Tensor[];
  targets: Tensor[];
}

/** Loss, metrics and weight gradients for one batch. Call inside `tf.tidy`. */
export function computeGradients(
  model: TrainableModel,
  batch: Batch,
  context: CallContext,
  hooks: GradientHooks = {},
): GradientResult {
  const { inputs, targets } = batch;
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
  const { loss, metrics } = lossAndMetrics(compiled, losses, outputs, targets);
  hooks.afterLoss?.(loss, metrics);
  const gradients = model.backward(tape, outputGradients, context, hooks.onWeightGradient);
  return { loss, metrics, gradients };
}

/** Loss and metrics (keyed as in `computeGradients`, plus `loss`) without gradients, in inference mode unless `context` says otherwise. Call inside `tf.tidy`. */
export function computeLossAndMetrics(
  model: TrainableModel,
  inputs: Tensor[],
  targets: Tensor[],
  context: CallContext,
): Record<string, Tensor> {
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
    for (const m of output.metrics)
      metrics[single ? m.key : `${output.name}_${m.key}`] = m.metric.compute(targets[i]!, outputs[i]!);
  });
  return { loss: single ? losses[0]! : tf.addN(losses), metrics };
}

/** Backends whose tensors live in this thread's memory: a read is a copy, not a transfer. */
const LOCAL_BACKENDS = new Set(['native', 'cpu', 'wasm']);

/** Reads scalar tensors back in one transfer, as logs in `compiled.logKeys` order. */
export function readLogs(compiled: CompiledState, scalars: Record<string, Tensor>): Logs {
  const keys = compiled.logKeys;
  const logs: Logs = {};
  if (LOCAL_BACKENDS.has(tf.getBackend())) {
    // Each scalar read directly: stacking them first costs more kernels than it saves.
    for (const k of keys) logs[k] = scalars[k]!.dataSync()[0]!;
    return logs;
  }
  const values = tf.tidy(() => tf.stack(keys.map((k) => scalars[k]!)).dataSync());
  keys.forEach((k, i) => {
    logs[k] = values[i]!;
  });
  return logs;
}

/**
 * One optimizer step on a batch: gradients, then `beforeUpdate(logs)` (may throw to skip the
 * update), then the optimizer on `weights` (default `model.trainableWeights`). Returns the batch's mean loss and metrics. Leaves no tensors.
 */
export function trainStep(
  model: TrainableModel,
  batch: Batch,
  context: CallContext,
  options: { beforeUpdate?: (logs: Logs) => void; weights?: LayerWeight[] } = {},
): Logs {
  const compiled = requireCompiled(model, 'trainStep');
  const { beforeUpdate, weights = model.trainableWeights } = options;
  return tf.tidy(() => {
    const { loss, metrics, gradients } = computeGradients(model, batch, context);
    const logs = readLogs(compiled, { loss, ...metrics });
    beforeUpdate?.(logs);
    compiled.optimizer.applyGradients(weights, gradients);
    return logs;
  });
}

function checkTargetCount(compiled: CompiledState, targets: Tensor[]): void {
  if (targets.length !== compiled.outputs.length) {
    throw new ValueError(
      `expected one target tensor per model output (${compiled.outputs.length}), but got ${targets.length}.`,
    );
  }
}
