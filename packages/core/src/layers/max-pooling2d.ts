import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { formatShape, type Shape } from '../shape.js';
import { Layer, assertOneOf, type CallResult, type LayerArgs, type LayerGradients } from './layer.js';
import { convOutputLength, normalizePair, paddingBefore, type PaddingMode } from './conv-geometry.js';

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
    this.strides = args.strides === undefined || args.strides === null ? this.poolSize : normalizePair(args.strides, 'strides', owner);
    this.padding = assertOneOf(args.padding ?? 'valid', ['valid', 'same'] as const, 'padding', owner);
    if ((args.dataFormat ?? 'channelsLast') !== 'channelsLast') {
      throw new ValueError(`${owner}: expected dataFormat 'channelsLast' (the only layout supported), but got ${describeValue(args.dataFormat)}.`);
    }
  }

  computeOutputShape(inputShapes: Shape[]): Shape {
    const shape = inputShapes[0]!;
    if (shape.length !== 4) {
      throw new ValueError(`MaxPooling2D ${this.name}: expected a 4-D input (batch, height, width, channels), but got ${formatShape(shape)}.`);
    }
    const rows = convOutputLength(shape[1]!, this.poolSize[0], this.padding, this.strides[0]);
    const cols = convOutputLength(shape[2]!, this.poolSize[1], this.padding, this.strides[1]);
    if ((rows !== null && rows <= 0) || (cols !== null && cols <= 0)) {
      throw new ValueError(`MaxPooling2D ${this.name}: input ${formatShape(shape)} is smaller than poolSize ${describeValue(this.poolSize)} with padding 'valid'.`);
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
    if (tf.getKernel('MaxPoolGrad', tf.getBackend()) === undefined) {
      return { inputs: [maxPoolGradient(x, y, dy, this.poolSize, this.strides, this.padding)], weights: [] };
    }
    const attrs = { filterSize: this.poolSize, strides: this.strides, pad: this.padding, dimRoundingMode: undefined };
    const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, attrs as unknown as tf.NamedAttrMap) as Tensor;
    return { inputs: [dx], weights: [] };
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), poolSize: this.poolSize, padding: this.padding, strides: this.strides, dataFormat: 'channelsLast' };
  }
}

/**
 * Max pooling's input gradient from basic ops, for backends without a MaxPoolGrad kernel: each
 * window routes its gradient to its first maximal element (row-major, as TensorFlow's kernels
 * do). Window offsets are visited in that order, and for each the output positions whose max
 * sits there (and is not yet claimed) scatter `dy` back through a zero-interleave and a shift.
 */
export function maxPoolGradient(x: Tensor, y: Tensor, dy: Tensor, poolSize: [number, number], strides: [number, number], padding: PaddingMode): Tensor {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [, oh, ow] = y.shape as [number, number, number, number];
    const [ph, pw] = poolSize;
    const [sh, sw] = strides;
    const top = paddingBefore(h, ph, padding, sh);
    const left = paddingBefore(w, pw, padding, sw);
    // Padded so every window offset slice is in range; the padding never equals a real maximum.
    const rowsNeeded = (oh - 1) * sh + ph;
    const colsNeeded = (ow - 1) * sw + pw;
    const padded = tf.pad(x, [[0, 0], [top, Math.max(rowsNeeded - h - top, 0)], [left, Math.max(colsNeeded - w - left, 0)], [0, 0]], -Infinity);
    let claimed: Tensor = tf.zeros(y.shape, 'bool');
    let dx: Tensor = tf.zeros([n, oh * sh + ph, ow * sw + pw, c]);
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        const window = tf.stridedSlice(padded, [0, i, j, 0], [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c], [1, sh, sw, 1]);
        const isMax = tf.logicalAnd(tf.equal(window, y), tf.logicalNot(claimed));
        claimed = tf.logicalOr(claimed, isMax);
        const routed = tf.where(isMax, dy, tf.zerosLike(dy));
        // Interleave zeros (row r lands at r * stride), then shift by the window offset.
        const spread = tf.reshape(
          tf.pad(tf.reshape(routed, [n, oh, 1, ow, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]),
          [n, oh * sh, ow * sw, c],
        );
        dx = tf.add(dx, tf.pad(spread, [[0, 0], [i, ph - i], [j, pw - j], [0, 0]]));
      }
    }
    return tf.slice(dx, [0, top, left, 0], [n, h, w, c]);
  });
}

export function maxPooling2d(args?: MaxPooling2DArgs): MaxPooling2D {
  return new MaxPooling2D(args);
}
