import { ValueError, formatShape, type CompiledState, type LayersModel, type Tensor } from '@fnn/core';
import { checkData } from '@fnn/core/training';
import { Dataset } from '@fnn/data';
import { packColumns, rowWidth, type SampleLayout } from '../sample-layout.js';

// Tensors are immutable: the same tensors convert to the same shared Dataset, once.
const converted = new WeakMap<Tensor, { x: Tensor[]; y: Tensor[]; dataset: Dataset }>();

/** Training (or validation) data in shared memory, and how its rows split into the model's inputs and targets. */
export interface SharedTrainingData {
  dataset: Dataset;
  layout: SampleLayout;
}

/** What the data is for: the compiled model it trains, which argument it came as, and who asks. */
export interface DataTarget {
  model: LayersModel;
  compiled: CompiledState;
  /** The argument, as errors name it: 'x' or 'validationData'. */
  what: string;
  owner: string;
}

/**
 * The training (or validation) data as a Dataset in shared memory: a Dataset as given (models
 * with one input and one output), or tensors `x` and `y` (one per input and output, as
 * model.fit takes them) copied once into SharedArrayBuffers, several inputs side by side in
 * each row. Checks it against the model's inputs and outputs.
 */
export function toSharedDataset(
  x: Tensor | Tensor[] | Dataset,
  y: Tensor | Tensor[] | undefined,
  target: DataTarget,
): SharedTrainingData {
  const { model, compiled, what, owner } = target;
  if (x instanceof Dataset) {
    if (y !== undefined)
      throw new ValueError(
        `${owner}: ${what} is a Dataset, which holds its labels; expected no separate y, but got ${Array.isArray(y) ? `${y.length} tensors` : `one with shape ${formatShape(y.shape)}`}.`,
      );
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new ValueError(
        `${owner}: a Dataset holds one feature array and one label array, but model ${model.name} has ${model.inputs.length} input(s) and ${model.outputs.length} output(s); pass ${what} as tensors, one per input and output, as to model.fit.`,
      );
    }
    checkShape(model.inputs[0]!.shape, x.featureShape, `${what} features`, owner);
    checkShape(model.outputs[0]!.shape, x.labelShape, `${what} labels`, owner);
    if (x.size === 0) throw new ValueError(`${owner}: ${what} holds no samples.`);
    return { dataset: x, layout: { inputs: [[...x.featureShape]], outputs: [[...x.labelShape]] } };
  }
  if (y === undefined)
    throw new ValueError(`${owner}: expected ${what} labels y (tensors) with x given as tensors, but got undefined.`);
  const xs = Array.isArray(x) ? x : [x];
  const ys = Array.isArray(y) ? y : [y];
  const n = checkData(model, { x: xs, y: ys }, owner, compiled);
  if (n === 0) throw new ValueError(`${owner}: ${what} holds no samples.`);
  const layout: SampleLayout = { inputs: xs.map((t) => t.shape.slice(1)), outputs: ys.map((t) => t.shape.slice(1)) };
  const cached = converted.get(xs[0]!);
  if (cached !== undefined && sameList(cached.x, xs) && sameList(cached.y, ys))
    return { dataset: cached.dataset, layout };
  const values = (list: Tensor[]) => list.map((t) => t.dataSync() as Float32Array);
  const dataset = Dataset.fromArrays({
    x: xs.length === 1 ? values(xs)[0]! : packColumns(values(xs), layout.inputs, n),
    y: ys.length === 1 ? values(ys)[0]! : packColumns(values(ys), layout.outputs, n),
    featureShape: xs.length === 1 ? layout.inputs[0]! : [rowWidth(layout.inputs)],
    labelShape: ys.length === 1 ? layout.outputs[0]! : [rowWidth(layout.outputs)],
  });
  converted.set(xs[0]!, { x: xs, y: ys, dataset });
  return { dataset, layout };
}

function sameList(a: Tensor[], b: Tensor[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

function checkShape(modelShape: (number | null)[], sampleShape: readonly number[], what: string, owner: string): void {
  const expected = modelShape.slice(1);
  const ok = expected.length === sampleShape.length && expected.every((d, i) => d === null || d === sampleShape[i]);
  if (!ok)
    throw new ValueError(
      `${owner}: expected ${what} of shape ${formatShape([null, ...expected])}, but got ${formatShape([null, ...sampleShape])}.`,
    );
}
