/*
 * One training step, and the API a data-parallel trainer builds on (all exported from
 * @fnn/core's index):
 *
 * Gradients
 * - `computeGradients(model, inputs: Tensor[], targets: Tensor[], context: CallContext, hooks?)` →
 *   `{loss, metrics, gradients}`: the forward pass with a tape in `context`'s mode, each
 *   output's compiled loss with its gradient w.r.t. the output, then `model.backward`.
 *   `hooks.afterLoss(loss, metrics)` runs between the two passes and `hooks.onWeightGradient(
 *   weight, gradient)` as each gradient becomes final (a trainer overlaps its exchange with the
 *   rest of the backward pass). `loss` is
 *   the scalar mean loss over these samples (summed over outputs), `metrics` are scalar means
 *   keyed by Keras log names without `val_` (`accuracy`; with several outputs also
 *   `<output>_loss` and `<output>_<metric>`), `gradients` are d(mean loss)/d(w) in
 *   `model.trainableWeights` order. Call it inside `tf.tidy`; it applies nothing.
 * - `computeLossAndMetrics(model, inputs, targets, context)` → `{loss, ...metrics}` scalars, no
 *   gradients (evaluation). `readLogs(model.compiled, scalars)` reads such scalars back in one
 *   transfer as numbers, in `model.compiled.logKeys` order.
 * - `trainStep(model, inputs, targets, context, beforeUpdate?, weights?)` = computeGradients +
 *   readLogs + `beforeUpdate(logs)` (may throw to skip the update) + the optimizer; leaves no
 *   tensors and returns the batch logs.
 *
 * Optimizer (`model.compiled.optimizer`, an `Optimizer`)
 * - `applyGradients(weights: LayerWeight[], gradients: Tensor[])` and
 *   `applyGradientArrays(weights, gradients: Float32Array[])` update the variables (each gets a
 *   new value tensor); the state (Adam's m and v, `iterations`) lives in the optimizer; the same
 *   gradients from the same state give bit-identical updates. `getState()`/`setState(state)`
 *   copy the state (slots keyed by weight name), `getConfig()`, `className`, `reset()`.
 * - `serializeCompileArgs(model.compiled)` → plain JSON `{optimizer: {className, config}, loss,
 *   metrics}`; `compileModel(model, json)` (or `model.compile(json)`) re-creates it in a worker;
 *   `getOptimizer(name | {className, config} | instance)`.
 *
 * The epoch loop (training-loop.ts)
 * - `runTrainingLoop(model, {epochs, initialEpoch?, numSamples, batchSize, shuffle?, seed,
 *   verbose, callbacks?, logKeys: model.compiled.logKeys, trainBatch(spec), validate?(),
 *   caller?})` → `History`. It orders the samples per epoch (`epochOrder(n, shuffle, seed,
 *   epoch)`, the same permutation as @fnn/data's `permutation`), calls `trainBatch({epoch,
 *   batch, indices: Int32Array, seed: stepSeed(seed, epoch, batch)})` per batch (last one
 *   partial) expecting the batch's mean logs, keeps sample-weighted running means (batch logs,
 *   epoch logs), adds `val_*` from `validate()` (e.g. `evaluateLogs(model, data, batchSize)`),
 *   prints Keras progress (`ProgressLogger`) and drives callbacks and `History` exactly as
 *   `model.fit` does; stops after a callback sets `model.stopTraining`, and throws
 *   `nonFiniteLossError` on a NaN/infinite batch loss. `model.fit` is this loop over
 *   `trainStep` on gathered rows (`gatherRows`); data are checked with `checkData`.
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

/** What a data-parallel trainer may hook into a gradient computation, to overlap its exchange with it. */
export interface GradientHooks {
  /** After the forward pass, before the backward pass: the loss and metrics of the batch. */
  afterLoss?(loss: Tensor, metrics: Record<string, Tensor>): void;
  /** During the backward pass: each trainable weight's gradient as soon as it is final. */
  onWeightGradient?(weight: LayerWeight, gradient: Tensor): void;
}

/** Loss, metrics and weight gradients for one batch. Call inside `tf.tidy`. */
export function computeGradients(
  model: LayersModel,
  inputs: Tensor[],
  targets: Tensor[],
  context: CallContext,
  hooks: GradientHooks = {},
): GradientResult {
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
  model: LayersModel,
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
    throw new ValueError(
      `expected one target tensor per model output (${compiled.outputs.length}), but got ${targets.length}.`,
    );
  }
}
