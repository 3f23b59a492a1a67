import { tf, type Tensor } from '../tf.js';
import { ValueError } from '../errors.js';
import { formatShape, type Shape } from '../shape.js';
import { SymbolicTensor } from '../engine/symbolic-tensor.js';
import { Layer, type CallResult, type LayerArgs, type LayerGradients } from './layer.js';

export type AddArgs = LayerArgs;

/** Sums several inputs of the same shape element-wise (Keras's `add([a, b, c])`). */
export class Add extends Layer {
  static override className = 'Add';

  constructor(args: AddArgs = {}) {
    super(args);
  }

  override get takesMultipleInputs(): boolean {
    return true;
  }

  computeOutputShape(inputShapes: Shape[]): Shape {
    const first = inputShapes[0]!;
    if (inputShapes.length < 2) {
      throw new ValueError(
        `Add ${this.name}: expected at least 2 inputs, but got ${inputShapes.length} (${inputShapes.map(formatShape).join(', ')}).`,
      );
    }
    for (const shape of inputShapes.slice(1)) {
      const same =
        shape.length === first.length && shape.every((d, i) => d === null || first[i] === null || d === first[i]);
      if (!same) {
        throw new ValueError(
          `Add ${this.name}: expected inputs of the same shape, but got ${formatShape(first)} and ${formatShape(shape)}.`,
        );
      }
    }
    return first.map((d, i) => d ?? inputShapes.find((s) => s[i] !== null)?.[i] ?? null);
  }

  call(inputs: Tensor[]): CallResult {
    return { output: inputs.length === 2 ? tf.add(inputs[0]!, inputs[1]!) : tf.addN(inputs), saved: inputs.length };
  }

  backward(dy: Tensor, saved: unknown): LayerGradients {
    return { inputs: new Array<Tensor>(saved as number).fill(dy), weights: [] };
  }
}

/** `add()` makes the layer; `add([a, b, c])` applies a new one and returns its output, as tfjs-layers does. */
export function add(args?: AddArgs): Add;
export function add(inputs: SymbolicTensor[], args?: AddArgs): SymbolicTensor;
export function add(inputs: Tensor[], args?: AddArgs): Tensor;
export function add(first?: AddArgs | SymbolicTensor[] | Tensor[], args?: AddArgs): Add | SymbolicTensor | Tensor {
  if (!Array.isArray(first)) return new Add(first);
  const layer = new Add(args);
  return first.every((t) => t instanceof SymbolicTensor)
    ? layer.apply(first as SymbolicTensor[])
    : layer.apply(first as Tensor[]);
}
