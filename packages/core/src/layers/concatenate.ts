import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { formatShape, type Shape } from '../shape.js';
import { SymbolicTensor } from '../engine/symbolic-tensor.js';
import { Layer, type CallResult, type LayerArgs, type LayerGradients } from './layer.js';

export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along; the other dimensions must match. Default -1 (last). */
  axis?: number;
}

/** Joins several inputs along one axis (Keras's `concatenate([a, b])`). */
export class Concatenate extends Layer {
  static override className = 'Concatenate';
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) {
      throw new ValueError(
        `Concatenate ${this.name}: expected axis to be an integer, but got ${describeValue(args.axis)}.`,
      );
    }
  }

  override get takesMultipleInputs(): boolean {
    return true;
  }

  computeOutputShape(inputShapes: Shape[]): Shape {
    const shapes = inputShapes;
    const show = () => shapes.map(formatShape).join(', ');
    if (shapes.length < 2)
      throw new ValueError(
        `Concatenate ${this.name}: expected at least 2 inputs, but got ${shapes.length} (${show()}).`,
      );
    const rank = shapes[0]!.length;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (axis < 1 || axis >= rank) {
      throw new ValueError(
        `Concatenate ${this.name}: expected axis in [${1 - rank}, ${rank - 1}] (not the batch axis) for inputs of rank ${rank}, but got ${this.axis}.`,
      );
    }
    const matches = shapes.every(
      (s) =>
        s.length === rank &&
        s.every((d, i) => i === axis || d === null || shapes[0]![i] === null || d === shapes[0]![i]),
    );
    if (!matches) {
      throw new ValueError(
        `Concatenate ${this.name}: expected inputs whose shapes match except along axis ${this.axis}, but got ${show()}.`,
      );
    }
    const output = [...shapes[0]!];
    output[axis] = shapes.some((s) => s[axis] === null) ? null : shapes.reduce((n, s) => n + s[axis]!, 0);
    return output;
  }

  call(inputs: Tensor[]): CallResult {
    const axis = this.axis < 0 ? this.axis + inputs[0]!.rank : this.axis;
    return { output: tf.concat(inputs, axis), saved: inputs.map((t) => t.shape[axis]!) };
  }

  backward(dy: Tensor, saved: unknown): LayerGradients {
    const axis = this.axis < 0 ? this.axis + dy.rank : this.axis;
    return { inputs: tf.split(dy, saved as number[], axis), weights: [] };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/**
 * `concatenate()` / `concatenate({axis})` make the layer; `concatenate([a, b])` applies a new
 * one to the given tensors (symbolic or concrete) and returns its output, as tfjs-layers does.
 */
export function concatenate(args?: ConcatenateArgs): Concatenate;
export function concatenate(inputs: SymbolicTensor[], args?: ConcatenateArgs): SymbolicTensor;
export function concatenate(inputs: Tensor[], args?: ConcatenateArgs): Tensor;
export function concatenate(
  first?: ConcatenateArgs | SymbolicTensor[] | Tensor[],
  args?: ConcatenateArgs,
): Concatenate | SymbolicTensor | Tensor {
  if (!Array.isArray(first)) return new Concatenate(first);
  const layer = new Concatenate(args);
  return first.every((t) => t instanceof SymbolicTensor)
    ? layer.apply(first as SymbolicTensor[])
    : layer.apply(first as Tensor[]);
}
