import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { formatShape, type Shape } from '../shape.js';
import { toSnakeCase, uniqueName } from '../naming.js';
import { SymbolicTensor } from '../engine/symbolic-tensor.js';
import { Node } from '../engine/node.js';
import { inferenceContext, type CallContext } from '../engine/context.js';
import { getInitializer, type Initializer, type InitializerIdentifier } from '../initializers/index.js';
import { LayerWeight, checkWeightShape } from './layer-weight.js';

export interface LayerArgs {
  /** Unique name; defaults to Keras's `<type>_<n>` (`dense_1`). */
  name?: string;
  /** Whether the optimizer updates this layer's weights. Default true. */
  trainable?: boolean;
  /** Shape of one sample, without the batch axis; makes this layer a model's first layer. */
  inputShape?: Shape;
  /** Shape including the batch axis (`null` for any batch size). */
  batchInputShape?: Shape;
  /** For 2-D inputs: `inputDim: n` is `inputShape: [n]`. */
  inputDim?: number;
  batchSize?: number;
  dtype?: 'float32';
}

/** What `call` returns: the output and whatever `backward` needs (kept until the backward pass). */
export interface CallResult {
  output: Tensor;
  saved?: unknown;
}

/** Gradients with respect to each input and to each trainable-kind weight (in `ownTrainableWeights` order). */
export interface LayerGradients {
  inputs: Tensor[];
  weights: Tensor[];
}

/**
 * Base class of all layers. Each layer computes its forward pass in `call` and its backward
 * pass in `backward`, side by side: gradients are written out per layer instead of taped,
 * which keeps them fast on wasm and independent of tfjs's gradient registry.
 */
export abstract class Layer {
  /** The class name written in model.json (`Dense`), as tfjs-layers and Keras use it. */
  static className: string;
  readonly name: string;
  trainable: boolean;
  built = false;
  /** The batch input shape this layer was declared or built with. */
  batchInputShape: Shape | undefined;
  readonly inboundNodes: Node[] = [];
  private readonly weightList: LayerWeight[] = [];
  private builtInputShapes: Shape[] | undefined;

  constructor(args: LayerArgs = {}) {
    this.name = args.name ?? uniqueName(toSnakeCase(this.className));
    this.trainable = args.trainable ?? true;
    if (args.batchInputShape !== undefined) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape !== undefined) this.batchInputShape = [args.batchSize ?? null, ...args.inputShape];
    else if (args.inputDim !== undefined) this.batchInputShape = [args.batchSize ?? null, args.inputDim];
  }

  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  /** Layers such as Concatenate and Add take a list of inputs. */
  get takesMultipleInputs(): boolean {
    return false;
  }

  /** All weights, trainable ones first (Keras and tfjs-layers order). */
  get weights(): LayerWeight[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  get trainableWeights(): LayerWeight[] {
    return this.trainable ? this.weightList.filter((w) => w.trainable) : [];
  }

  get nonTrainableWeights(): LayerWeight[] {
    return this.trainable ? this.weightList.filter((w) => !w.trainable) : [...this.weightList];
  }

  /** Weights created trainable, whatever `trainable` says now: `backward` returns gradients for these. */
  get ownTrainableWeights(): LayerWeight[] {
    return this.weightList.filter((w) => w.trainable);
  }

  protected addWeight(
    name: string,
    shape: number[],
    initializer: Initializer | InitializerIdentifier,
    trainable = true,
  ): LayerWeight {
    const init = getInitializer(initializer as InitializerIdentifier, `Layer ${this.name}`);
    checkWeightShape(`${this.name}/${name}`, shape, `Layer ${this.name}`);
    const initial = tf.tidy(() => init.apply(shape));
    const weight = new LayerWeight(`${this.name}/${name}`, initial, trainable);
    // The variable holds its own reference to the values; without this the initial tensor
    // (and its memory) would outlive the layer's dispose().
    initial.dispose();
    this.weightList.push(weight);
    return weight;
  }

  /** Creates the weights for the given input shapes (one per input). */
  build(_inputShapes: Shape[]): void {
    this.built = true;
  }

  abstract computeOutputShape(inputShapes: Shape[]): Shape;

  /** Forward pass on concrete tensors. */
  abstract call(inputs: Tensor[], context: CallContext): CallResult;

  /**
   * Backward pass: `dy` is the gradient of the loss with respect to this call's output.
   * When `needsInputGradients` is false (the inputs are model inputs) `inputs` may be empty.
   */
  abstract backward(dy: Tensor, saved: unknown, context: CallContext, needsInputGradients: boolean): LayerGradients;

  /**
   * Connects this layer to symbolic inputs (building it on first use) and returns the symbolic
   * output; on concrete tensors it runs the layer in inference mode.
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor;
  apply(inputs: Tensor | Tensor[]): Tensor;
  apply(inputs: SymbolicTensor | SymbolicTensor[] | Tensor | Tensor[]): SymbolicTensor | Tensor {
    const list = (Array.isArray(inputs) ? inputs : [inputs]) as (SymbolicTensor | Tensor)[];
    if (list.length === 0)
      throw new ValueError(`Layer ${this.name}: apply() needs at least one input, but got an empty list.`);
    if (!this.takesMultipleInputs && list.length !== 1) {
      throw new ValueError(`Layer ${this.name} (${this.className}) takes one input, but got ${list.length}.`);
    }
    if (list.every((t) => t instanceof SymbolicTensor)) {
      const symbolic = list as SymbolicTensor[];
      const outputShape = this.prepare(symbolic.map((t) => t.shape));
      const output = new SymbolicTensor(outputShape, this, this.inboundNodes.length);
      this.inboundNodes.push(new Node(this, symbolic, output));
      return output;
    }
    if (list.some((t) => t instanceof SymbolicTensor)) {
      throw new ValueError(`Layer ${this.name}: apply() got a mix of symbolic and concrete tensors.`);
    }
    const tensors = list as Tensor[];
    this.prepare(tensors.map((t) => [null, ...t.shape.slice(1)]));
    return tf.tidy(() => this.call(tensors, inferenceContext()).output);
  }

  /** Builds on first use and checks later inputs against the built shapes; returns the output shape. */
  private prepare(inputShapes: Shape[]): Shape {
    if (!this.built) {
      this.build(inputShapes);
      this.built = true;
      this.builtInputShapes = inputShapes.map((s) => [...s]);
    } else if (this.builtInputShapes) {
      this.assertCompatible(inputShapes, this.builtInputShapes);
    }
    return this.computeOutputShape(inputShapes);
  }

  private assertCompatible(received: Shape[], expected: Shape[]): void {
    const compatible =
      received.length === expected.length &&
      received.every((shape, i) => {
        const want = expected[i]!;
        return shape.length === want.length && shape.every((d, j) => d === null || want[j] === null || d === want[j]);
      });
    if (!compatible) {
      const show = (shapes: Shape[]) => shapes.map(formatShape).join(', ');
      throw new ValueError(
        `Layer ${this.name} (${this.className}): incompatible input shape: expected ${show(expected)}, but got ${show(received)}.`,
      );
    }
  }

  /** The input shapes the layer was built with (first call). */
  get inputShapes(): Shape[] | undefined {
    return this.builtInputShapes;
  }

  countParams(): number {
    return this.weightList.reduce((n, w) => n + w.size, 0);
  }

  /** Copies of the current weight values, in `weights` order. */
  getWeights(): Tensor[] {
    return this.weights.map((w) => tf.clone(w.read()));
  }

  setWeights(values: Tensor[]): void {
    const weights = this.weights;
    if (values.length !== weights.length) {
      throw new ValueError(
        `Layer ${this.name}: setWeights expected ${weights.length} tensors, but got ${values.length}.`,
      );
    }
    weights.forEach((w, i) => w.write(values[i]!));
  }

  /** Config in tfjs-layers' camelCase form; serialization turns keys into snake_case. */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.batchInputShape !== undefined) config.batchInputShape = this.batchInputShape;
    config.dtype = 'float32';
    return config;
  }

  dispose(): void {
    for (const w of this.weightList) w.dispose();
  }
}

/** Throws unless `value` is one of `allowed`. */
export function assertOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  argument: string,
  owner: string,
): T {
  if (!allowed.includes(value as T)) {
    throw new ValueError(
      `${owner}: expected ${argument} to be one of ${allowed.join(', ')}, but got ${describeValue(value)}.`,
    );
  }
  return value as T;
}
