import type { Tensor } from '../tf.js';
import type { Shape } from '../shape.js';
import { getActivation, type Activation as ActivationFunction, type ActivationName } from '../activations.js';
import { Layer, type CallResult, type LayerArgs, type LayerGradients } from './layer.js';

export interface ActivationArgs extends LayerArgs {
  /** relu, softmax, sigmoid, tanh, linear, elu, selu or softplus. */
  activation: ActivationName;
}

interface ActivationSaved {
  x: Tensor;
  y: Tensor;
}

/** Applies an activation function element-wise (softmax over the last axis). */
export class Activation extends Layer {
  static override className = 'Activation';
  readonly activation: ActivationFunction;

  constructor(args: ActivationArgs) {
    super(args);
    this.activation = getActivation(args?.activation ?? 'linear', `Activation ${this.name}`);
  }

  computeOutputShape(inputShapes: Shape[]): Shape {
    return inputShapes[0]!;
  }

  call(inputs: Tensor[]): CallResult {
    const x = inputs[0]!;
    const y = this.activation.forward(x);
    return { output: y, saved: { x, y } satisfies ActivationSaved };
  }

  backward(dy: Tensor, saved: unknown): LayerGradients {
    const { x, y } = saved as ActivationSaved;
    return { inputs: [this.activation.backward(dy, x, y)], weights: [] };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation.name };
  }
}

export function activation(args: ActivationArgs): Activation {
  return new Activation(args);
}
