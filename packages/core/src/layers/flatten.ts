import { tf, type Tensor } from '../tf.js';
import { ValueError } from '../errors.js';
import { formatShape, type Shape } from '../shape.js';
import { Layer, type CallResult, type LayerArgs, type LayerGradients } from './layer.js';

export type FlattenArgs = LayerArgs;

/** Flattens each sample to one axis: (None, 28, 28, 1) -> (None, 784). */
export class Flatten extends Layer {
  static override className = 'Flatten';

  constructor(args: FlattenArgs = {}) {
    super(args);
  }

  computeOutputShape(inputShapes: Shape[]): Shape {
    const shape = inputShapes[0]!;
    if (shape.length < 2 || shape.slice(1).some((d) => d === null)) {
      throw new ValueError(
        `Flatten ${this.name}: expected an input whose dimensions after the batch axis are all known, like (None, 28, 28, 1), but got ${formatShape(shape)}.`,
      );
    }
    return [shape[0]!, (shape.slice(1) as number[]).reduce((a, b) => a * b, 1)];
  }

  call(inputs: Tensor[]): CallResult {
    const x = inputs[0]!;
    return { output: tf.reshape(x, [x.shape[0]!, -1]), saved: x.shape };
  }

  backward(dy: Tensor, saved: unknown): LayerGradients {
    return { inputs: [tf.reshape(dy, saved as number[])], weights: [] };
  }
}

export function flatten(args?: FlattenArgs): Flatten {
  return new Flatten(args);
}
