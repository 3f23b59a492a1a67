import { tf, type Tensor } from '../tf.js';
import { paddingBefore, type PaddingMode } from '../layers/conv-geometry.js';

/** A max pooling's input `x`, output `y`, and the gradient `dy` reaching its output. */
export interface PoolTensors {
  x: Tensor;
  y: Tensor;
  dy: Tensor;
}

/** The pooling window, its strides and padding (a MaxPooling2D layer is one). */
export interface Pool2D {
  poolSize: [number, number];
  strides: [number, number];
  padding: PaddingMode;
}

/**
 * Gradient of max pooling (NHWC) with respect to its input: each window routes its gradient to
 * its first maximal element in row-major order, as TensorFlow's kernels do.
 *
 * wasm's MaxPoolGrad kernel (tfjs-backend-wasm 4.22.0) gives wrong values for many shapes (e.g.
 * 2x2 windows over 8x8x3 inputs), and so does its MaxPoolWithArgmax, so on wasm the gradient is
 * built from basic ops; other backends use their MaxPoolGrad kernel.
 */
export function maxPoolBackprop({ x, y, dy }: PoolTensors, pool: Pool2D): Tensor {
  const { poolSize, strides, padding } = pool;
  const backend = tf.getBackend();
  if (backend !== 'wasm' && tf.getKernel('MaxPoolGrad', backend) !== undefined) {
    const attrs = { filterSize: poolSize, strides, pad: padding, dimRoundingMode: undefined };
    return tf
      .engine()
      .runKernel('MaxPoolGrad', { dy, input: x, output: y }, attrs as unknown as tf.NamedAttrMap) as Tensor;
  }
  const [, h, w] = x.shape as [number, number, number, number];
  const tiles =
    strides[0] === poolSize[0] &&
    strides[1] === poolSize[1] &&
    (padding === 'valid' || (h % poolSize[0] === 0 && w % poolSize[1] === 0));
  return tiles ? tiledMaxPoolGradient(x, y, dy, poolSize) : maxPoolGradient({ x, y, dy }, pool);
}

/**
 * The common case of windows that tile the input (strides = poolSize, no padding): seen as
 * [N, OH, ph, OW, pw, C], each window's first maximum is the position with the highest
 * `isMax × (ph·pw − index)`, a handful of element-wise ops in all.
 */
export function tiledMaxPoolGradient(x: Tensor, y: Tensor, dy: Tensor, poolSize: [number, number]): Tensor {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [, oh, ow] = y.shape as [number, number, number, number];
    const [ph, pw] = poolSize;
    const cropped = oh * ph === h && ow * pw === w ? x : tf.slice(x, [0, 0, 0, 0], [n, oh * ph, ow * pw, c]);
    const windows = tf.reshape(cropped, [n, oh, ph, ow, pw, c]);
    const priority = new Float32Array(ph * pw).map((_, k) => ph * pw - k);
    const score = tf.mul(
      tf.cast(tf.equal(windows, tf.reshape(y, [n, oh, 1, ow, 1, c])), 'float32'),
      tf.tensor(priority, [1, 1, ph, 1, pw, 1]),
    );
    const first = tf.cast(tf.equal(score, tf.max(score, [2, 4], true)), 'float32');
    const dx = tf.reshape(tf.mul(first, tf.reshape(dy, [n, oh, 1, ow, 1, c])), [n, oh * ph, ow * pw, c]);
    return dx.shape[1] === h && dx.shape[2] === w
      ? dx
      : tf.pad(dx, [
          [0, 0],
          [0, h - oh * ph],
          [0, w - ow * pw],
          [0, 0],
        ]);
  });
}

/**
 * Max pooling's input gradient for any windows, from basic ops: window offsets are visited in
 * row-major order, and for each the output positions whose maximum sits there (and is not yet
 * claimed by an earlier offset) scatter `dy` back through a zero-interleave and a shift.
 */
export function maxPoolGradient({ x, y, dy }: PoolTensors, pool: Pool2D): Tensor {
  const { poolSize, strides, padding } = pool;
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
    const padded = tf.pad(
      x,
      [
        [0, 0],
        [top, Math.max(rowsNeeded - h - top, 0)],
        [left, Math.max(colsNeeded - w - left, 0)],
        [0, 0],
      ],
      -Infinity,
    );
    let claimed: Tensor = tf.zeros(y.shape, 'bool');
    let dx: Tensor = tf.zeros([n, oh * sh + ph, ow * sw + pw, c]);
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        const window = tf.stridedSlice(
          padded,
          [0, i, j, 0],
          [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c],
          [1, sh, sw, 1],
        );
        const isMax = tf.logicalAnd(tf.equal(window, y), tf.logicalNot(claimed));
        claimed = tf.logicalOr(claimed, isMax);
        const routed = tf.where(isMax, dy, tf.zerosLike(dy));
        // Interleave zeros (row r lands at r * stride), then shift by the window offset.
        const spread = tf.reshape(
          tf.pad(tf.reshape(routed, [n, oh, 1, ow, 1, c]), [
            [0, 0],
            [0, 0],
            [0, sh - 1],
            [0, 0],
            [0, sw - 1],
            [0, 0],
          ]),
          [n, oh * sh, ow * sw, c],
        );
        dx = tf.add(
          dx,
          tf.pad(spread, [
            [0, 0],
            [i, ph - i],
            [j, pw - j],
            [0, 0],
          ]),
        );
      }
    }
    return tf.slice(dx, [0, top, left, 0], [n, h, w, c]);
  });
}
