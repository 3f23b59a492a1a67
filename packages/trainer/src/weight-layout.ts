import { tf, type LayersModel, type LayerWeight, type Tensor } from '@fnn/core';

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

/**
 * A tensor's float32 values without copying where the backend allows it: a view of the wasm heap
 * (valid until the next tf operation), or the plain array that cpu and native keep (read in
 * place, so the backend may still recycle it: dataSync would hand it out for good); otherwise
 * a copy from dataSync.
 */
export function tensorValues(t: Tensor): Float32Array {
  const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: Tensor) => Float32Array };
  if (t.dtype === 'float32') {
    if (typeof backend.typedArrayFromHeap === 'function') return backend.typedArrayFromHeap(t);
    const values = keptValues(t);
    if (values instanceof Float32Array && values.length === t.size) return values;
  }
  return t.dataSync() as Float32Array;
}

/** The array that a backend keeping tensors as JavaScript arrays (cpu, native) holds for `t`; else undefined. */
function keptValues(t: Tensor): unknown {
  const backend = tf.backend() as unknown as { data?: { get(dataId: object): { values?: unknown } | undefined } };
  return backend.data?.get(t.dataId)?.values;
}

/**
 * Makes the weights compute with their slots of `source` in place, where the backend keeps a
 * tensor's array as given (cpu, native): then a write to shared memory is the replica's new
 * weight, with no copy. Returns false, changing nothing, on backends that copy (wasm, tensorflow).
 */
export function aliasWeights(weights: LayerWeight[], slots: WeightSlot[], source: Float32Array): boolean {
  const probe = source.subarray(0, 0);
  const t = tf.tensor(probe, [0], 'float32');
  const keeps = keptValues(t) === probe;
  t.dispose();
  if (!keeps) return false;
  weights.forEach((w, i) => {
    const slot = slots[i]!;
    const t = tf.tensor(source.subarray(slot.offset, slot.offset + slot.size), slot.shape, 'float32');
    w.write(t);
    t.dispose();
  });
  return true;
}

/**
 * A tensor holding `values`. The wasm backend copies them into its heap; the others may keep
 * the array itself, so shared memory is copied first (it changes under the tensor otherwise).
 */
export function tensorFromShared(values: Float32Array, shape: number[]): Tensor {
  const owned = tf.getBackend() === 'wasm' ? values : values.slice();
  return tf.tensor(owned, shape, 'float32');
}

/** Copies the weights' values into `out` at their slots (`out` offset by `base`). */
export function copyWeightsOut(weights: LayerWeight[], slots: WeightSlot[], out: Float32Array, base = 0): void {
  weights.forEach((w, i) => {
    const slot = slots[i]!;
    out.set(tensorValues(w.read()), base + slot.offset);
  });
}

/** Writes the values at the slots of `source` (offset by `base`) into the weights. */
export function copyWeightsIn(weights: LayerWeight[], slots: WeightSlot[], source: Float32Array, base = 0): void {
  weights.forEach((w, i) => {
    const slot = slots[i]!;
    const t = tensorFromShared(source.subarray(base + slot.offset, base + slot.offset + slot.size), slot.shape);
    w.write(t);
    t.dispose();
  });
}
