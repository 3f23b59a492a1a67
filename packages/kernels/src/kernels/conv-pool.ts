import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { hasEscaped, releaseFloat32, takeFloat32 } from '../buffer-pool.js';
import { conv2DBackward } from './conv-backward.js';
import { convInfo, convShape, poolInfo } from './conv-shape.js';
import { argmaxFor, recordArgmax, takeArgmaxArray } from './pool-argmax.js';
import {
  expectShape,
  floatValues,
  gradientOutput,
  nativeOnly,
  output,
  runNative,
  sizeOf,
  type KernelArgs,
} from './util.js';

/*
 * Conv2D with relu followed by a max pool whose windows tile its output (strides = pool size, no
 * padding), as one kernel each way: the convolution's output (11 MB for the Keras MNIST
 * convnet's first layer at batch 128) stays in cache, is pooled there, and only the pooled output
 * and each window's argmax record are written; the backward pass rebuilds dz block by block from
 * that record for the filter and input gradients (native/conv_pool.h). Same bits as FusedConv2D,
 * MaxPool, MaxPoolGrad and FnnConv2DBackward run one after the other, which they fall back to
 * where the fused kernels do not apply. @fnn/core runs these for a Conv2D(relu) layer whose only
 * consumer is such a MaxPooling2D layer, when the active backend registers them.
 */
export const CONV2D_MAX_POOL = 'FnnConv2DMaxPool';
export const CONV2D_MAX_POOL_BACKWARD = 'FnnConv2DMaxPoolBackward';

type Pair = [number, number];

/** The convolution's and the pool's geometries from the kernels' inputs and attrs. */
function geometry(kernel: string, { inputs, attrs }: KernelArgs) {
  const { x, filter } = inputs;
  const conv = { strides: attrs?.strides, pad: attrs?.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  const info = convInfo({ xShape: x!.shape, filterShape: filter!.shape, attrs: conv });
  if (!info)
    throw new Error(`${kernel}: expected x and filter of rank 4, but got [${x!.shape}] and [${filter!.shape}].`);
  const poolSize = attrs?.poolSize as Pair | undefined;
  if (!Array.isArray(poolSize) || poolSize.length !== 2 || !poolSize.every((d) => Number.isInteger(d) && d > 0))
    throw new Error(`${kernel}: expected poolSize [height, width] of positive integers, but got ${poolSize}.`);
  const poolAttrs = { filterSize: poolSize, strides: poolSize, pad: 'valid', dimRoundingMode: undefined };
  const pool = poolInfo(info.outShape, poolAttrs);
  const shapes = { conv: convShape(info), pool: convShape(pool) };
  return { info, pool, conv, poolAttrs, shapes, key: `relu-max-pool:${shapes.conv}|${shapes.pool}` };
}

/** The bias values, one per output channel, or null without a bias. */
function biasValues(kernel: string, { inputs, backend }: KernelArgs, channels: number): Float32Array | null {
  if (!inputs.bias) return null;
  expectShape(inputs.bias, [channels], kernel, 'bias');
  return floatValues(backend, inputs.bias, kernel, 'bias');
}

/** Inputs x [n, h, w, cin], filter [fh, fw, cin, cout], bias [cout] (optional); attrs strides, pad, poolSize. */
function conv2DMaxPool(args: KernelArgs, addon: NativeAddon): TensorInfo {
  const { inputs, backend } = args;
  const { x, filter, bias } = inputs;
  const { info, pool, conv, poolAttrs, shapes, key } = geometry(CONV2D_MAX_POOL, args);
  const xv = floatValues(backend, x!, CONV2D_MAX_POOL, 'x');
  const wv = floatValues(backend, filter!, CONV2D_MAX_POOL, 'filter');
  const bv = biasValues(CONV2D_MAX_POOL, args, info.outChannels);
  const windows = pool.outHeight > 0 && pool.outWidth > 0 && pool.filterHeight * pool.filterWidth <= 127;
  if (windows) {
    const out = takeFloat32(sizeOf(pool.outShape));
    const argmax = takeArgmaxArray(out.length);
    const nan = addon.conv2dReluMaxPool(xv, wv, bv, out, argmax, shapes.conv, shapes.pool);
    if (nan >= 0) {
      const result = output(backend, [...pool.outShape], out);
      // A NaN in the convolution's output reaches beyond the argmaxes backward: no fused backward then.
      const geometryKey = nan ? `${key}:nan` : key;
      recordArgmax(result.dataId, { input: x!.dataId, values: xv, geometry: geometryKey, argmax });
      return result;
    }
    releaseFloat32(out);
  }
  const y = runNative('FusedConv2D', {
    inputs: { x, filter, ...(bias ? { bias } : {}) },
    backend,
    attrs: { ...conv, dilations: 1, activation: 'relu' },
  });
  const pooled = runNative('MaxPool', { inputs: { x: y }, backend, attrs: poolAttrs });
  backend.disposeData(y.dataId);
  return pooled;
}

/**
 * Inputs x, y (this pair's pooled output for x), dy (its gradient), filter, bias (optional, read
 * only to recompute the convolution where the fused kernel does not apply); attrs strides, pad,
 * poolSize, useBias, needsDx, and optionally dFilterOut / dBiasOut, Float32Arrays the gradients
 * are written into. Returns [dFilter, dBias if useBias, dx if needsDx].
 */
function conv2DMaxPoolBackward(args: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x, y, dy, filter, bias } = inputs;
  const { info, pool, conv, poolAttrs, shapes, key } = geometry(CONV2D_MAX_POOL_BACKWARD, args);
  expectShape(y!, pool.outShape, CONV2D_MAX_POOL_BACKWARD, 'y');
  expectShape(dy!, pool.outShape, CONV2D_MAX_POOL_BACKWARD, 'dy');
  const xv = floatValues(backend, x!, CONV2D_MAX_POOL_BACKWARD, 'x');
  const pv = floatValues(backend, y!, CONV2D_MAX_POOL_BACKWARD, 'y');
  // A pooled output handed out (dataSync) may have been changed since its record was made.
  const argmax = hasEscaped(pv) ? null : argmaxFor(y!.dataId, x!.dataId, xv, key);
  if (argmax) {
    const cout = info.outChannels;
    const dpv = floatValues(backend, dy!, CONV2D_MAX_POOL_BACKWARD, 'dy');
    const wv = floatValues(backend, filter!, CONV2D_MAX_POOL_BACKWARD, 'filter');
    const db = attrs?.useBias ? gradientOutput(attrs, 'dBiasOut', cout) : null;
    const dx = attrs?.needsDx ? takeFloat32(sizeOf(x!.shape)) : null;
    const dw = gradientOutput(attrs, 'dFilterOut', sizeOf(filter!.shape));
    if (addon.conv2dReluMaxPoolBackward(xv, dpv, pv, argmax, wv, dw, db, dx, shapes.conv, shapes.pool)) {
      return [
        output(backend, [...filter!.shape], dw),
        ...(db ? [output(backend, [cout], db)] : []),
        ...(dx ? [output(backend, [...x!.shape], dx)] : []),
      ];
    }
    for (const values of [dw, db, dx]) releaseFloat32(values); // a caller's own arrays are not the pool's
  }
  // The separate kernels, on the convolution's output computed again (the same bits as forward).
  const yConv = runNative('FusedConv2D', {
    inputs: { x, filter, ...(bias ? { bias } : {}) },
    backend,
    attrs: { ...conv, dilations: 1, activation: 'relu' },
  });
  const dyConv = runNative('MaxPoolGrad', { inputs: { dy, input: yConv, output: y }, backend, attrs: poolAttrs });
  const backwardAttrs = { ...attrs, activation: 'relu' };
  const grads = conv2DBackward({ inputs: { x, y: yConv, dy: dyConv, filter }, backend, attrs: backwardAttrs }, addon);
  backend.disposeData(yConv.dataId);
  backend.disposeData(dyConv.dataId);
  return grads;
}

export const convPoolKernels = [
  nativeOnly(CONV2D_MAX_POOL, conv2DMaxPool),
  nativeOnly(CONV2D_MAX_POOL_BACKWARD, conv2DMaxPoolBackward),
];
