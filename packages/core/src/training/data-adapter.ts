import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { formatShape } from '../shape.js';
import { seededPermutation } from '@fnn/common';
import type { TrainableModel } from '../models/model-interface.js';
import type { CompiledState } from './compile.js';
import { hasDirectAccess, readValues, tensorFromValues } from './tensor-memory.js';

/** Inputs (one per model input) and targets (one per output) with the same number of samples. */
export interface TrainingData {
  inputs: Tensor[];
  targets: Tensor[];
  numSamples: number;
}

export function toList(value: Tensor | Tensor[], what: string, owner: string): Tensor[] {
  const list = Array.isArray(value) ? value : [value];
  list.forEach((t, i) => {
    if (!(t instanceof tf.Tensor)) {
      throw new ValueError(
        `${owner}: expected ${what} to be a tensor or an array of tensors, but got ${Array.isArray(value) ? `${what}[${i}] = ${describeValue(t)}` : describeValue(t)}.`,
      );
    }
  });
  return list;
}

/**
 * Checks x against the model's inputs (count, sample count, feature shape) and, when given, y
 * against its outputs and compiled losses (counts, sample count, label shape and values).
 */
export function checkData(
  model: TrainableModel,
  { x, y }: { x: Tensor[]; y?: Tensor[] },
  owner: string,
  compiled?: CompiledState,
): number {
  const inputs = model.inputs;
  if (x.length !== inputs.length) {
    throw new ValueError(
      `${owner}: model ${model.name} has ${inputs.length} input(s) (${inputs.map((t) => t.sourceLayer.name).join(', ')}), but got ${x.length} x tensor(s).`,
    );
  }
  x.forEach((t, i) => {
    const expected = inputs[i]!.shape;
    const matches = t.rank === expected.length && expected.every((d, k) => k === 0 || d === null || d === t.shape[k]);
    if (!matches) {
      throw new ValueError(
        `${owner}: expected input ${inputs[i]!.sourceLayer.name} to have shape ${formatShape(expected)}, but got x${x.length > 1 ? `[${i}]` : ''} with shape ${formatShape(t.shape)}.`,
      );
    }
  });
  const counts = x.map((t) => t.shape[0]!);
  if (y !== undefined) {
    const outputs = model.outputs;
    if (y.length !== outputs.length) {
      throw new ValueError(
        `${owner}: model ${model.name} has ${outputs.length} output(s), but got ${y.length} y tensor(s).`,
      );
    }
    counts.push(...y.map((t) => t.shape[0]!));
  }
  if (counts.some((c) => c !== counts[0])) {
    const describe = (list: Tensor[]) => list.map((t) => t.shape[0]).join(', ');
    throw new ValueError(
      `${owner}: x and y must have the same number of samples, but got x sizes: ${describe(x)} and y sizes: ${y ? describe(y) : '-'}.`,
    );
  }
  if (y !== undefined && compiled !== undefined) {
    compiled.outputs.forEach((output, i) => {
      output.loss.checkTargets(y[i]!, model.outputs[i]!.shape, owner);
    });
  }
  return counts[0]!;
}

/** Splits off the last `fraction` of the samples (before any shuffling), as Keras's `validationSplit`. */
export function splitData(
  data: TrainingData,
  fraction: number,
  owner: string,
): { train: TrainingData; validation: TrainingData } {
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new ValueError(
      `${owner}: expected validationSplit to be a number in (0, 1), but got ${describeValue(fraction)}.`,
    );
  }
  const at = Math.floor(data.numSamples * (1 - fraction));
  if (at === 0 || at === data.numSamples) {
    throw new ValueError(
      `${owner}: validationSplit ${fraction} of ${data.numSamples} samples leaves ${at} for training and ${data.numSamples - at} for validation; both need at least one.`,
    );
  }
  const part = (start: number, size: number): TrainingData => ({
    inputs: data.inputs.map((t) => tf.slice(t, start, size)),
    targets: data.targets.map((t) => tf.slice(t, start, size)),
    numSamples: size,
  });
  return { train: part(0, at), validation: part(at, data.numSamples - at) };
}

/**
 * The rows `indices` of each tensor: a slice when they are consecutive; otherwise copied row by
 * row in JavaScript where the backend's memory is directly readable (wasm's Gather kernel
 * needs milliseconds for one MNIST batch), else `tf.gather`.
 */
export function gatherRows(tensors: Tensor[], indices: Int32Array): Tensor[] {
  const n = indices.length;
  const first = indices[0] ?? 0;
  let consecutive = true;
  for (let i = 1; i < n && consecutive; i++) consecutive = indices[i] === first + i;
  if (consecutive) return tensors.map((t) => (n === t.shape[0] ? t : tf.slice(t, first, n)));
  if (!hasDirectAccess() || tensors.some((t) => t.dtype !== 'float32' && t.dtype !== 'int32')) {
    return tf.tidy(() => {
      const idx = tf.tensor1d(indices, 'int32');
      return tensors.map((t) => tf.gather(t, idx));
    });
  }
  return tensors.map((t) => {
    const rowSize = t.shape[0] === 0 ? 0 : t.size / t.shape[0]!;
    const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
    return tensorFromValues([n, ...t.shape.slice(1)], dtype, (out) => {
      // Read after the output's allocation, which may have moved the wasm heap.
      const source = readValues(t);
      if (rowSize >= 16) {
        for (let i = 0; i < n; i++)
          out.set(source.subarray(indices[i]! * rowSize, (indices[i]! + 1) * rowSize), i * rowSize);
      } else {
        for (let i = 0; i < n; i++)
          for (let k = 0, from = indices[i]! * rowSize; k < rowSize; k++) out[i * rowSize + k] = source[from + k]!;
      }
    });
  });
}

/**
 * Sample order of one epoch: `0..n-1`, or @fnn/common's `seededPermutation(n, seed, epoch)`, the
 * order a @fnn/data Dataset is shuffled in (and the data-parallel trainer's workers read).
 */
export function epochOrder(numSamples: number, shuffle: boolean, seed: number, epoch: number): Int32Array {
  if (shuffle) return new Int32Array(seededPermutation(numSamples, seed, epoch).buffer);
  const order = new Int32Array(numSamples);
  for (let i = 0; i < numSamples; i++) order[i] = i;
  return order;
}

/** Consecutive batches of `order` (the last one partial). */
export function batchesOf(order: Int32Array, batchSize: number): Int32Array[] {
  const batches: Int32Array[] = [];
  for (let start = 0; start < order.length; start += batchSize)
    batches.push(order.subarray(start, Math.min(start + batchSize, order.length)));
  return batches;
}

/** Throws unless `value` is a positive integer. */
export function checkPositiveInteger(value: unknown, argument: string, owner: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ValueError(`${owner}: expected ${argument} to be a positive integer, but got ${describeValue(value)}.`);
  }
  return value;
}
