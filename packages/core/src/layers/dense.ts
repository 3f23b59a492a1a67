import { tf, type Tensor } from '../tf.js';
import { ValueError } from '../errors.js';
import { assertPositiveInt, formatShape, type Shape } from '../shape.js';
import { getActivation, type Activation, type ActivationName } from '../activations.js';
import { matMul } from '../engine/matmul.js';
import { FUSED, hasFused, runFused } from '../engine/fused.js';
import type { CallContext } from '../engine/context.js';
import { getInitializer, type Initializer, type InitializerIdentifier } from '../initializers/index.js';
import { Layer, type CallResult, type LayerArgs, type LayerGradients } from './layer.js';
import type { LayerWeight } from './layer-weight.js';
import { kernelLayerConfig } from './kernel-layer-config.js';

export interface DenseArgs extends LayerArgs {
  /** Number of output units; a positive integer. */
  units: number;
  /** Applied to the output; default linear. */
  activation?: ActivationName;
  /** Whether to add a bias vector. Default true. */
  useBias?: boolean;
  /** Default glorotUniform. */
  kernelInitializer?: InitializerIdentifier | Initializer;
  /** Default zeros. */
  biasInitializer?: InitializerIdentifier | Initializer;
}

interface DenseSaved {
  x: Tensor;
  z: Tensor;
  y: Tensor;
}

/** Activations the fused Dense kernels apply themselves (the others run as ops around them). */
const FUSED_ACTIVATIONS = new Set<string>(['linear', 'relu', 'softmax']);

/** `activation(x · kernel + bias)` over the last axis. */
export class Dense extends Layer {
  static override className = 'Dense';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  kernel: LayerWeight | undefined;
  bias: LayerWeight | undefined;

  constructor(args: DenseArgs) {
    super(args);
    this.units = assertPositiveInt(args.units, 'units', `Dense ${this.name}`);
    this.activation = getActivation(args.activation, `Dense ${this.name}`);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform', `Dense ${this.name}`);
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', `Dense ${this.name}`);
  }

  override build(inputShapes: Shape[]): void {
    const shape = inputShapes[0]!;
    const inputDim = shape[shape.length - 1];
    if (shape.length < 2 || inputDim === null || inputDim === undefined) {
      throw new ValueError(
        `Dense ${this.name}: expected an input with a known last dimension, like (None, 784), but got ${formatShape(shape)}.`,
      );
    }
    this.kernel = this.addWeight('kernel', [inputDim, this.units], this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInitializer);
    super.build(inputShapes);
  }

  computeOutputShape(inputShapes: Shape[]): Shape {
    return [...inputShapes[0]!.slice(0, -1), this.units];
  }

  call(inputs: Tensor[]): CallResult {
    const input = inputs[0]!;
    const x = input.rank === 2 ? input : tf.reshape(input, [-1, input.shape[input.rank - 1]!]);
    const kernel = this.kernel!.read();
    const bias = this.bias?.read();
    let z: Tensor;
    let y: Tensor;
    if (hasFused(FUSED.dense) && x.dtype === 'float32') {
      // One launch; the fused backward needs only y for these activations, z otherwise.
      const fused = FUSED_ACTIVATIONS.has(this.activation.name);
      const operands: Record<string, Tensor> = bias ? { x, kernel, bias } : { x, kernel };
      z = runFused(FUSED.dense, operands, { activation: fused ? this.activation.name : 'linear' })[0]!;
      y = fused ? z : this.activation.forward(z);
    } else if (this.activation.name === 'relu' || this.activation.name === 'linear') {
      // The bias fuses into the matmul kernel; relu does not: tfjs-wasm's fused relu is an XNNPACK
      // clamp that turns NaN into 0 (a diverged model would report finite losses), while its Relu
      // kernel keeps NaN as tfjs-cpu does. relu's gradient needs only the output.
      z = tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel as tf.Tensor2D, ...(bias ? { bias } : {}) });
      y = this.activation.name === 'relu' ? tf.relu(z) : z;
    } else {
      z = bias
        ? tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias)
        : tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D);
      y = this.activation.forward(z);
    }
    const output = input.rank === 2 ? y : tf.reshape(y, [...input.shape.slice(0, -1), this.units]);
    return { output, saved: { x, z, y } satisfies DenseSaved };
  }

  backward(dy: Tensor, saved: unknown, context: CallContext, needsInputGradients: boolean): LayerGradients {
    const { x, z, y } = saved as DenseSaved;
    const dy2d = dy.rank === 2 ? dy : tf.reshape(dy, [-1, this.units]);
    let weights: Tensor[];
    let dx: Tensor | undefined;
    if (hasFused(FUSED.denseBackward) && x.dtype === 'float32' && dy2d.dtype === 'float32') {
      const fused = FUSED_ACTIVATIONS.has(this.activation.name);
      const outs = runFused(
        FUSED.denseBackward,
        { x, y, dy: fused ? dy2d : this.activation.backward(dy2d, z, y), kernel: this.kernel!.read() },
        {
          activation: fused ? this.activation.name : 'linear',
          useBias: this.useBias,
          needsDx: needsInputGradients,
          dKernelOut: context.gradientOutput?.(this.kernel!),
          dBiasOut: this.bias && context.gradientOutput?.(this.bias),
        },
      );
      weights = outs.slice(0, this.useBias ? 2 : 1);
      dx = outs[weights.length];
    } else {
      const dz = this.activation.backward(dy2d, z, y);
      weights = [matMul(x, dz, true, false)];
      if (this.useBias) weights.push(tf.sum(dz, 0));
      if (needsInputGradients) dx = matMul(dz, this.kernel!.read(), false, true);
    }
    if (!needsInputGradients) return { inputs: [], weights };
    const inputShape = [...dy.shape.slice(0, -1), x.shape[1]!];
    return { inputs: [dy.rank === 2 ? dx! : tf.reshape(dx!, inputShape)], weights };
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      ...kernelLayerConfig(this),
    };
  }
}

export function dense(args: DenseArgs): Dense {
  return new Dense(args);
}
