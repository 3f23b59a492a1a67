import { checkData, ValueError, formatShape, type CompiledState, type LayersModel, type Tensor } from '@fnn/core';
import { Dataset } from '@fnn/data';

// Tensors are immutable: the same pair converts to the same shared Dataset, once.
const converted = new WeakMap<Tensor, { y: Tensor; dataset: Dataset }>();

/**
 * The training (or validation) data as a Dataset in shared memory: a Dataset as given, or
 * tensors `x` and `y` copied once into SharedArrayBuffers. Checks it against the model's single
 * input and output.
 */
export function toSharedDataset(model: LayersModel, compiled: CompiledState, x: Tensor | Dataset, y: Tensor | undefined, what: string, owner: string): Dataset {
  if (x instanceof Dataset) {
    if (y !== undefined) throw new ValueError(`${owner}: ${what} is a Dataset, which holds its labels; expected no separate y, but got one with shape ${formatShape(y.shape)}.`);
    checkShape(model.inputs[0]!.shape, x.featureShape, `${what} features`, owner);
    checkShape(model.outputs[0]!.shape, x.labelShape, `${what} labels`, owner);
    if (x.size === 0) throw new ValueError(`${owner}: ${what} holds no samples.`);
    return x;
  }
  if (y === undefined) throw new ValueError(`${owner}: expected ${what} labels y (a tensor) with x given as a tensor, but got undefined.`);
  checkData(model, [x], [y], owner, compiled);
  if (x.shape[0] === 0) throw new ValueError(`${owner}: ${what} holds no samples.`);
  const cached = converted.get(x);
  if (cached !== undefined && cached.y === y) return cached.dataset;
  const dataset = Dataset.fromArrays({
    x: x.dataSync() as Float32Array,
    y: y.dataSync() as Float32Array,
    featureShape: x.shape.slice(1),
    labelShape: y.shape.slice(1),
  });
  converted.set(x, { y, dataset });
  return dataset;
}

function checkShape(modelShape: (number | null)[], sampleShape: readonly number[], what: string, owner: string): void {
  const expected = modelShape.slice(1);
  const ok = expected.length === sampleShape.length && expected.every((d, i) => d === null || d === sampleShape[i]);
  if (!ok) throw new ValueError(`${owner}: expected ${what} of shape ${formatShape([null, ...expected])}, but got ${formatShape([null, ...sampleShape])}.`);
}
