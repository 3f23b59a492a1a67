import type { Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import type { Shape } from '../shape.js';
import { uniqueName } from '../naming.js';
import { SymbolicTensor } from '../engine/symbolic-tensor.js';
import { Node } from '../engine/node.js';
import { Layer, type CallResult, type LayerGradients } from './layer.js';

export interface InputLayerArgs {
  /** Shape of one sample, without the batch axis. */
  inputShape?: Shape;
  /** Shape including the batch axis. */
  batchInputShape?: Shape;
  batchSize?: number;
  name?: string;
  dtype?: 'float32';
}

/** The entry point of a model: it has no weights and passes its input through. */
export class InputLayer extends Layer {
  static override className = 'InputLayer';
  readonly output: SymbolicTensor;

  constructor(args: InputLayerArgs) {
    // Keras names inputs `input_1`, not `input_layer_1`.
    super({ ...args, name: args.name ?? uniqueName('input'), trainable: false });
    if (this.batchInputShape === undefined) {
      throw new ValueError(
        `InputLayer ${this.name}: expected inputShape or batchInputShape, but got ${describeValue(args)}.`,
      );
    }
    for (const d of this.batchInputShape.slice(1)) {
      if (d !== null && (!Number.isInteger(d) || d <= 0)) {
        throw new ValueError(
          `InputLayer ${this.name}: expected positive integer dimensions, but got shape ${describeValue(this.batchInputShape)}.`,
        );
      }
    }
    this.built = true;
    this.output = new SymbolicTensor(this.batchInputShape, this, 0);
    this.inboundNodes.push(new Node(this, [], this.output));
  }

  computeOutputShape(): Shape {
    return this.batchInputShape!;
  }

  call(inputs: Tensor[]): CallResult {
    return { output: inputs[0]! };
  }

  backward(dy: Tensor): LayerGradients {
    return { inputs: [dy], weights: [] };
  }

  override getConfig(): Record<string, unknown> {
    return { batchInputShape: this.batchInputShape, dtype: 'float32', sparse: false, name: this.name };
  }
}

export interface InputArgs {
  /** Shape of one sample, without the batch axis, e.g. `[784]`. */
  shape?: Shape;
  /** Shape including the batch axis. */
  batchShape?: Shape;
  batchSize?: number;
  name?: string;
  dtype?: 'float32';
}

/** A symbolic model input, as `tf.input` / Keras `Input`. */
export function input(args: InputArgs): SymbolicTensor {
  if (args.shape === undefined && args.batchShape === undefined) {
    throw new ValueError(`input: expected shape (e.g. {shape: [784]}), but got ${describeValue(args)}.`);
  }
  const layer = new InputLayer({
    ...(args.batchShape !== undefined ? { batchInputShape: args.batchShape } : { inputShape: args.shape! }),
    ...(args.batchSize !== undefined ? { batchSize: args.batchSize } : {}),
    ...(args.name !== undefined ? { name: args.name } : {}),
  });
  return layer.output;
}

export function inputLayer(args: InputLayerArgs): InputLayer {
  return new InputLayer(args);
}
