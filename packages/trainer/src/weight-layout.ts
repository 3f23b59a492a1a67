import { tf, type LayersModel, type LayerWeight } from '@fnn/core';
import { keepsGivenArrays, readFloat32, tensorFromValues } from '@fnn/core/training';

/** Where one weight lives in a flat parameter vector. */
export interface WeightSlot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/**
 * The flat order of a model's weights in shared memory: trainable weights in
 * `model.trainableWeights` order (the order of gradients), then the non-trainable ones
 * (batch norm's moving statistics) in `model.nonTrainableWeights` order.
 */
export interface WeightLayout {
  trainable: WeightSlot[];
  nonTrainable: WeightSlot[];
  /** Number of trainable parameters (the gradient length). */
  trainableSize: number;
  nonTrainableSize: number;
}

export function weightLayout(model: LayersModel): WeightLayout {
  const slots = (weights: LayerWeight[]) => {
    let offset = 0;
    const list = weights.map((w) => {
      const slot = { name: w.name, shape: [...w.shape], offset, size: w.size };
      offset += w.size;
      return slot;
    });
    return { list, size: offset };
  };
  const trainable = slots(model.trainableWeights);
  const nonTrainable = slots(model.nonTrainableWeights);
  return {
    trainable: trainable.list,
    nonTrainable: nonTrainable.list,
    trainableSize: trainable.size,
    nonTrainableSize: nonTrainable.size,
  };
}

/** Throws unless the model's weights have exactly the names and shapes of the layout. */
export function assertLayoutMatches(model: LayersModel, layout: WeightLayout, owner: string): void {
  const actual = weightLayout(model);
  const describe = (l: WeightLayout) =>
    [...l.trainable, ...l.nonTrainable].map((s) => `${s.name}[${s.shape.join(',')}]`).join(' ');
  if (describe(actual) !== describe(layout)) {
    throw new Error(
      `${owner}: the rebuilt replica's weights (${describe(actual)}) do not match the model's (${describe(layout)}).`,
    );
  }
}

/** A tensor's float32 values without copying where the backend allows it (@fnn/core's one reader of tensor memory). */
export { readFloat32 as tensorValues } from '@fnn/core/training';

/**
 * Makes the weights compute with their slots of `source` in place, where the backend keeps a
 * tensor's array as given (cpu, native): then a write to shared memory is the replica's new
 * weight, with no copy. Returns false, changing nothing, on backends that copy (wasm, tensorflow).
 */
export function aliasWeights(weights: LayerWeight[], slots: WeightSlot[], source: Float32Array): boolean {
  if (!keepsGivenArrays()) return false;
  weights.forEach((w, i) => {
    const slot = slots[i]!;
    const t = tf.tensor(source.subarray(slot.offset, slot.offset + slot.size), slot.shape, 'float32');
    w.write(t);
    t.dispose();
  });
  return true;
}

/** Copies the weights' values into `out` at their slots (`out` offset by `base`). */
export function copyWeightsOut(weights: LayerWeight[], slots: WeightSlot[], out: Float32Array, base = 0): void {
  weights.forEach((w, i) => {
    const slot = slots[i]!;
    out.set(readFloat32(w.read()), base + slot.offset);
  });
}

/** Writes the values at the slots of `source` (offset by `base`) into the weights. */
export function copyWeightsIn(weights: LayerWeight[], slots: WeightSlot[], source: Float32Array, base = 0): void {
  weights.forEach((w, i) => {
    const slot = slots[i]!;
    // Copied (into the wasm heap, or a new array): shared memory would change under the tensor otherwise.
    const values = source.subarray(base + slot.offset, base + slot.offset + slot.size);
    const t = tensorFromValues(slot.shape, 'float32', (out) => out.set(values));
    w.write(t);
    t.dispose();
  });
}
