import type { Optimizer, OptimizerState } from '@fnn/core';
import type { WeightLayout } from '../weight-layout.js';

/**
 * The optimizer's state in shared memory, laid out like the flat trainable parameters: slot `s`
 * (Adam's m, then v) of the value at `offset` lives at `s × trainableSize + offset`. Each worker
 * updates its own slice of parameters and slots in place, and the main thread reads the whole
 * state back at every epoch's end (so a checkpoint taken there holds it).
 */
export function writeOptimizerState(
  optimizer: Optimizer,
  state: OptimizerState | undefined,
  layout: WeightLayout,
  slots: Float32Array,
): void {
  const size = layout.trainableSize;
  optimizer.slotNames.forEach((name, s) => {
    for (const weight of layout.trainable) {
      const saved = state?.slots[weight.name]?.[name];
      const at = s * size + weight.offset;
      if (saved === undefined) slots.fill(optimizer.initialSlotValue(name), at, at + weight.size);
      else if (saved.length !== weight.size)
        throw new Error(
          `${optimizer.className} state: slot ${name} of ${weight.name} has ${saved.length} values, but the weight has ${weight.size}.`,
        );
      else slots.set(saved, at);
    }
  });
}

/**
 * The state held in `slots` after `iterations` steps, keyed by weight name as
 * `optimizer.getState()` gives it; the arrays are views of `slots` (setState copies them).
 */
export function readOptimizerState(
  optimizer: Optimizer,
  iterations: number,
  layout: WeightLayout,
  slots: Float32Array,
): OptimizerState {
  const size = layout.trainableSize;
  const byWeight: OptimizerState['slots'] = {};
  if (optimizer.slotNames.length > 0) {
    for (const weight of layout.trainable) {
      byWeight[weight.name] = Object.fromEntries(
        optimizer.slotNames.map((name, s) => [
          name,
          slots.subarray(s * size + weight.offset, s * size + weight.offset + weight.size),
        ]),
      );
    }
  }
  return { className: optimizer.className, iterations, slots: byWeight };
}
