import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { formatShape, type Shape } from '../shape.js';
import { Layer, assertOneOf, type CallResult, type LayerArgs, type LayerGradients } from './layer.js';
import { convOutputLength, normalizePair, type PaddingMode } from './conv-geometry.js';
import { maxPoolBackprop } from '../engine/max-pool-backprop.js';

export interface MaxPooling2DArgs extends LayerArgs {
  /** Window height and width: `2` or `[2, 2]` (default). */
  poolSize?: number | [number, number];
  /** Step between windows; defaults to `poolSize`. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same'. */
  padding?: PaddingMode;
  /** Only 'channelsLast' (NHWC). */
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

interface MaxPoolSaved {
  x: Tensor;
  y: Tensor;
}

/** The maximum over each window of each channel of NHWC images. */
export class MaxPooling2D extends Layer {
  static override className = 'MaxPooling2D';
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: PaddingMode;

  constructor(args: MaxPooling2DArgs = {}) {
    super(args);
    const owner = `MaxPooling2D ${this.name}`;
    this.poolSize = normalizePair(args.poolSize ?? [2, 2], 'poolSize', owner);
    this.strides =
      args.strides === undefined || args.strides === null
        ? this.poolSize
        : normalizePair(args.strides, 'strides', owner);
    this.padding = assertOneOf(args.padding ?? 'valid', ['valid', 'same'] as const, 'padding', owner);
    if ((args.dataFormat ?? 'channelsLast') !== 'channelsLast') {
      throw new ValueError(
        `${owner}: expected dataFormat 'channelsLast' (the only layout supported), but got ${describeValue(args.dataFormat)}.`,
      );
    }
  }

  computeOutputShape(inputShapes: Shape[]): Shape {
    const shape = inputShapes[0]!;
    if (shape.length !== 4) {
      throw new ValueError(
        `MaxPooling2D ${this.name}: expected a 4-D input (batch, height, width, channels), but got ${formatShape(shape)}.`,
      );
    }
    const rows = convOutputLength(shape[1]!, this.poolSize[0], this.padding, this.strides[0]);
    const cols = convOutputLength(shape[2]!, this.poolSize[1], this.padding, this.strides[1]);
    if ((rows !== null && rows <= 0) || (cols !== null && cols <= 0)) {
      throw new ValueError(
        `MaxPooling2D ${this.name}: input ${formatShape(shape)} is smaller than poolSize ${describeValue(this.poolSize)} with padding 'valid'.`,
      );
    }
    return [shape[0]!, rows, cols, shape[3]!];
  }

  call(inputs: Tensor[]): CallResult {
    const x = inputs[0] as tf.Tensor4D;
    const y = tf.maxPool(x, this.poolSize, this.strides, this.padding);
    return { output: y, saved: { x, y } satisfies MaxPoolSaved };
  }

  backward(dy: Tensor, saved: unknown): LayerGradients {
    const { x, y } = saved as MaxPoolSaved;
    return { inputs: [maxPoolBackprop({ x, y, dy }, this)], weights: [] };
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      poolSize: this.poolSize,
      padding: this.padding,
      strides: this.strides,
      dataFormat: 'channelsLast',
    };
  }
}

export function maxPooling2d(args?: MaxPooling2DArgs): MaxPooling2D {
  return new MaxPooling2D(args);
}
