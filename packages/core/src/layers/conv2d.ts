import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { assertPositiveInt, formatShape, type Shape } from '../shape.js';
import { getActivation, type Activation, type ActivationName } from '../activations.js';
import { conv2dFilterGradient, type FilterGradientArgs } from '../engine/conv2d-backprop-filter.js';
import { FUSED, hasFused, runFused } from '../engine/fused.js';
import type { CallContext } from '../engine/context.js';
import { getInitializer, type Initializer, type InitializerIdentifier } from '../initializers/index.js';
import { Layer, assertOneOf, type CallResult, type LayerArgs, type LayerGradients } from './layer.js';
import type { LayerWeight } from './layer-weight.js';
import { convOutputLength, normalizePair, type PaddingMode } from './conv-geometry.js';
import { kernelLayerConfig } from './kernel-layer-config.js';

export interface Conv2DArgs extends LayerArgs {
  /** Number of output channels; a positive integer. */
  filters: number;
  /** Window height and width: `3` or `[3, 3]`. */
  kernelSize: number | [number, number];
  /** Step between windows: `1` (default) or `[sh, sw]`. */
  strides?: number | [number, number];
  /** 'valid' (default): windows stay inside the input; 'same': zero-pad so the output size is ceil(input / stride). */
  padding?: PaddingMode;
  /** Applied to the output; default linear. */
  activation?: ActivationName;
  /** Whether to add a bias per filter. Default true. */
  useBias?: boolean;
  /** Default glorotUniform, as in Keras (tfjs-layers defaults to glorotNormal). */
  kernelInitializer?: InitializerIdentifier | Initializer;
  /** Default zeros. */
  biasInitializer?: InitializerIdentifier | Initializer;
  /** Only 'channelsLast' (NHWC), the layout TensorFlow.js kernels use. */
  dataFormat?: 'channelsLast' | 'channelsFirst';
  /** Only 1 (no dilation). */
  dilationRate?: number | [number, number];
}

interface Conv2DSaved {
  x: Tensor;
  z: Tensor;
  y: Tensor;
}

/** 2-D convolution over NHWC images: `activation(conv2d(x, kernel) + bias)`, kernel [kh, kw, Cin, filters]. */
export class Conv2D extends Layer {
  static override className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: PaddingMode;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  kernel: LayerWeight | undefined;
  bias: LayerWeight | undefined;

  constructor(args: Conv2DArgs) {
    super(args);
    const owner = `Conv2D ${this.name}`;
    this.filters = assertPositiveInt(args?.filters, 'filters', owner);
    this.kernelSize = normalizePair(args.kernelSize, 'kernelSize', owner);
    this.strides = normalizePair(args.strides ?? 1, 'strides', owner);
    this.padding = assertOneOf(args.padding ?? 'valid', ['valid', 'same'] as const, 'padding', owner);
    if ((args.dataFormat ?? 'channelsLast') !== 'channelsLast') {
      throw new ValueError(
        `${owner}: expected dataFormat 'channelsLast' (the only layout supported), but got ${describeValue(args.dataFormat)}.`,
      );
    }
    const dilation = args.dilationRate ?? 1;
    if (
      !(dilation === 1 || (Array.isArray(dilation) && dilation.length === 2 && dilation[0] === 1 && dilation[1] === 1))
    ) {
      throw new ValueError(
        `${owner}: expected dilationRate 1 (dilation is not supported), but got ${describeValue(dilation)}.`,
      );
    }
    this.activation = getActivation(args.activation, owner);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorotUniform', owner);
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', owner);
  }

  override build(inputShapes: Shape[]): void {
    const shape = inputShapes[0]!;
    const channels = shape[3];
    if (shape.length !== 4 || channels === null || channels === undefined) {
      throw new ValueError(
        `Conv2D ${this.name}: expected a 4-D input (batch, height, width, channels) with known channels, like (None, 28, 28, 1), but got ${formatShape(shape)}.`,
      );
    }
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels, this.filters], this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer);
    super.build(inputShapes);
  }

  computeOutputShape(inputShapes: Shape[]): Shape {
    const shape = inputShapes[0]!;
    if (shape.length !== 4) {
      throw new ValueError(
        `Conv2D ${this.name}: expected a 4-D input (batch, height, width, channels), but got ${formatShape(shape)}.`,
      );
    }
    const rows = convOutputLength(shape[1]!, this.kernelSize[0], this.padding, this.strides[0]);
    const cols = convOutputLength(shape[2]!, this.kernelSize[1], this.padding, this.strides[1]);
    if ((rows !== null && rows <= 0) || (cols !== null && cols <= 0)) {
      throw new ValueError(
        `Conv2D ${this.name}: input ${formatShape(shape)} is smaller than kernelSize ${describeValue(this.kernelSize)} with padding 'valid'.`,
      );
    }
    return [shape[0]!, rows, cols, this.filters];
  }

  call(inputs: Tensor[]): CallResult {
    const x = inputs[0] as tf.Tensor4D;
    const filter = this.kernel!.read() as tf.Tensor4D;
    const bias = this.bias?.read();
    let z: Tensor;
    let y: Tensor;
    // relu and linear fuse into the convolution kernel; relu's gradient needs only the output.
    if (this.activation.name === 'relu' || this.activation.name === 'linear') {
      y = tf.fused.conv2d({
        x,
        filter,
        strides: this.strides,
        pad: this.padding,
        ...(bias ? { bias } : {}),
        activation: this.activation.name,
      });
      z = y;
    } else {
      const conv = tf.conv2d(x, filter, this.strides, this.padding);
      z = bias ? tf.add(conv, bias) : conv;
      y = this.activation.forward(z);
    }
    return { output: y, saved: { x, z, y } satisfies Conv2DSaved };
  }

  backward(dy: Tensor, saved: unknown, context: CallContext, needsInputGradients: boolean): LayerGradients {
    const { x, z, y } = saved as Conv2DSaved;
    if (hasFused(FUSED.conv2dBackward) && x.dtype === 'float32' && dy.dtype === 'float32') {
      // One launch; relu's dz is computed inside from y, another activation's here.
      const fused = this.activation.name === 'relu';
      const outs = runFused(
        FUSED.conv2dBackward,
        { x, y, dy: fused ? dy : this.activation.backward(dy, z, y), filter: this.kernel!.read() },
        { ...fusedBackwardAttrs(this, context, needsInputGradients), activation: fused ? 'relu' : 'linear' },
      );
      return fusedGradients(this, outs, needsInputGradients);
    }
    const dz = this.activation.backward(dy, z, y) as tf.Tensor4D;
    const filterShape = this.kernel!.shape as [number, number, number, number];
    const weights = [filterGradient(x, dz, { filterShape, strides: this.strides, pad: this.padding })];
    if (this.useBias) weights.push(tf.sum(dz, [0, 1, 2]));
    if (!needsInputGradients) return { inputs: [], weights };
    const inputShape = x.shape as [number, number, number, number];
    const dx = tf.conv2dTranspose(dz, this.kernel!.read() as tf.Tensor4D, inputShape, this.strides, this.padding);
    return { inputs: [dx], weights };
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: 'channelsLast',
      dilationRate: [1, 1],
      ...kernelLayerConfig(this),
    };
  }
}

/** The attrs of a fused backward kernel for `layer` (its gradients written where `context` says). */
export function fusedBackwardAttrs(layer: Conv2D, context: CallContext, needsDx: boolean): Record<string, unknown> {
  return {
    strides: layer.strides,
    pad: layer.padding,
    useBias: layer.useBias,
    needsDx,
    dFilterOut: context.gradientOutput?.(layer.kernel!),
    dBiasOut: layer.bias && context.gradientOutput?.(layer.bias),
  };
}

/** A fused backward kernel's outputs [dFilter, dBias?, dx?] as `layer`'s gradients. */
export function fusedGradients(layer: Conv2D, outs: Tensor[], needsDx: boolean): LayerGradients {
  const weights = outs.slice(0, layer.useBias ? 2 : 1);
  return { inputs: needsDx ? [outs[weights.length]!] : [], weights };
}

/** The backend's Conv2DBackpropFilter kernel (wasm's is ours, registered on import), else the op-built one. */
function filterGradient(x: Tensor, dy: Tensor, conv: FilterGradientArgs): Tensor {
  const { filterShape, strides, pad } = conv;
  if (tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) === undefined) return conv2dFilterGradient(x, dy, conv);
  const attrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape };
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as Tensor;
}

export function conv2d(args: Conv2DArgs): Conv2D {
  return new Conv2D(args);
}

/** The lesson's (Keras 1) name for `conv2d`. */
export const convolution2d = conv2d;
