import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';

/** `[[0, 0], [top, bottom], [left, right], [0, 0]]`, as tfjs's explicit padding. */
export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];
export type Conv2DPadding = 'valid' | 'same' | number | ExplicitPadding;

/** The convolution whose filter gradient is asked for: its filter's shape, strides and padding. */
export interface FilterGradientArgs {
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: Conv2DPadding;
}

/** Rows and columns of a convolution's input, kernel, strides and output. */
interface ConvGeometry {
  input: [number, number];
  kernel: [number, number];
  strides: [number, number];
  output: [number, number];
}

/**
 * Gradient of a 2-D convolution (NHWC, no dilation) with respect to its filter, built from ops
 * every backend has: for each kernel offset (i, j), the input pixels that offset touched form a
 * strided slice of the padded input; their products with `dy` summed over the batch and the
 * output positions give the filter slice `[i, j, :, :]` as one matmul. `dy` is transposed once
 * ([Cout, N·OH·OW] × [N·OH·OW, Cin]) rather than each slice, and the result once at the end.
 */
export function conv2dFilterGradient(x: Tensor, dy: Tensor, conv: FilterGradientArgs): Tensor {
  const { filterShape, strides, pad } = conv;
  const [kh, kw, cin, cout] = filterShape;
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  const [n, h, w] = x.shape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const [[top, bottom], [left, right]] = resolvePadding(pad, {
    input: [h, w],
    kernel: [kh, kw],
    strides: [sh, sw],
    output: [oh, ow],
  });
  return tf.tidy(() => {
    const padded =
      top || bottom || left || right
        ? tf.pad(x, [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ])
        : x;
    const dyT = tf.transpose(tf.reshape(dy, [n * oh * ow, cout]));
    const slices: Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const end = [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, cin];
        const patch =
          sh === 1 && sw === 1
            ? tf.slice(padded, [0, i, j, 0], [n, oh, ow, cin])
            : tf.stridedSlice(padded, [0, i, j, 0], end, [1, sh, sw, 1]);
        slices.push(tf.matMul(dyT, tf.reshape(patch, [n * oh * ow, cin])));
      }
    }
    return tf.reshape(tf.transpose(tf.stack(slices), [0, 2, 1]), filterShape);
  });
}

/** Padding before and after the rows and the columns, as TensorFlow places it. */
function resolvePadding(pad: Conv2DPadding, geometry: ConvGeometry): [[number, number], [number, number]] {
  const {
    input: [h, w],
    kernel: [kh, kw],
    strides: [sh, sw],
    output: [oh, ow],
  } = geometry;
  if (pad === 'valid')
    return [
      [0, 0],
      [0, 0],
    ];
  if (pad === 'same') {
    const rows = Math.max((oh - 1) * sh + kh - h, 0);
    const cols = Math.max((ow - 1) * sw + kw - w, 0);
    return [
      [Math.floor(rows / 2), rows - Math.floor(rows / 2)],
      [Math.floor(cols / 2), cols - Math.floor(cols / 2)],
    ];
  }
  if (typeof pad === 'number')
    return [
      [pad, pad],
      [pad, pad],
    ];
  if (Array.isArray(pad) && pad.length === 4) return [pad[1], pad[2]];
  throw new ValueError(
    `conv2dFilterGradient: expected pad 'valid', 'same', a number or explicit [[0, 0], [t, b], [l, r], [0, 0]], but got ${describeValue(pad)}.`,
  );
}

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: Conv2DPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: string;
  filterShape: [number, number, number, number];
}

let registered = false;

/**
 * Supplies wasm's missing `Conv2DBackpropFilter` kernel (see NOTES.md), so that tfjs's own
 * conv2d gradient (`tf.grads`, tfjs-layers' `fit`) also works on wasm. Idempotent.
 */
export function registerConv2DBackpropFilterKernel(): void {
  if (registered || tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) {
    registered = true;
    return;
  }
  registered = true;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as unknown as { x: Tensor; dy: Tensor };
      const { strides, pad, dataFormat, filterShape } = attrs as unknown as BackpropFilterAttrs;
      if (dataFormat !== undefined && dataFormat !== 'NHWC') {
        throw new ValueError(
          `Conv2DBackpropFilter (wasm): expected dataFormat 'NHWC', but got ${describeValue(dataFormat)}.`,
        );
      }
      // Ops run inside a kernel are not taped; the result's data is handed over to the engine,
      // which wraps it in the kernel's output tensor (the pattern of tfjs's Identity kernels).
      const result = conv2dFilterGradient(x, dy, { filterShape, strides, pad });
      (backend as unknown as { incRef(dataId: object): void }).incRef(result.dataId);
      const info = { dataId: result.dataId, shape: result.shape, dtype: result.dtype };
      result.dispose();
      return info;
    },
  });
}

registerConv2DBackpropFilterKernel();
