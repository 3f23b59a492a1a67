import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { formatShape, type Shape } from '../shape.js';
import { Layer, type CallResult, type LayerArgs, type LayerGradients } from './layer.js';

export interface ReshapeArgs extends LayerArgs {
  /** Shape of each output sample, without the batch axis; one entry may be -1 (inferred). */
  targetShape: number[];
}

/** Reshapes each sample: `reshape({targetShape: [28, 28, 1]})` turns (None, 784) into (None, 28, 28, 1). */
export class Reshape extends Layer {
  static override className = 'Reshape';
  readonly targetShape: number[];

  constructor(args: ReshapeArgs) {
    super(args);
    const target = args?.targetShape as unknown;
    // tfjs-layers writes an inferred dimension as null in model.json.
    const normalized = Array.isArray(target) ? target.map((d) => (d === null ? -1 : d)) : undefined;
    const valid =
      normalized?.every((d) => d === -1 || (Number.isInteger(d) && d > 0)) &&
      normalized.filter((d) => d === -1).length <= 1;
    if (!valid) {
      throw new ValueError(
        `Reshape ${this.name}: expected targetShape to be a list of positive integers with at most one -1, but got ${describeValue(target)}.`,
      );
    }
    this.targetShape = normalized as number[];
  }

  computeOutputShape(inputShapes: Shape[]): Shape {
    const shape = inputShapes[0]!;
    const sample = shape.slice(1);
    if (sample.some((d) => d === null)) return [shape[0]!, ...this.targetShape.map((d) => (d === -1 ? null : d))];
    return [shape[0]!, ...this.resolve(sample as number[], shape)];
  }

  call(inputs: Tensor[]): CallResult {
    const x = inputs[0]!;
    return { output: tf.reshape(x, [x.shape[0]!, ...this.resolve(x.shape.slice(1), x.shape)]), saved: x.shape };
  }

  backward(dy: Tensor, saved: unknown): LayerGradients {
    return { inputs: [tf.reshape(dy, saved as number[])], weights: [] };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }

  /** The target shape with -1 replaced; throws when the sizes cannot match. */
  private resolve(sample: number[], inputShape: Shape): number[] {
    const size = sample.reduce((a, b) => a * b, 1);
    const known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const unknown = this.targetShape.indexOf(-1);
    const fits = unknown === -1 ? known === size : size % known === 0;
    if (!fits) {
      throw new ValueError(
        `Reshape ${this.name}: cannot reshape input ${formatShape(inputShape)} (${size} values per sample) to targetShape ${describeValue(this.targetShape)} (${unknown === -1 ? `${known} values` : `a multiple of ${known}`}).`,
      );
    }
    return unknown === -1 ? this.targetShape : this.targetShape.map((d) => (d === -1 ? size / known : d));
  }
}

export function reshape(args: ReshapeArgs): Reshape {
  return new Reshape(args);
}
