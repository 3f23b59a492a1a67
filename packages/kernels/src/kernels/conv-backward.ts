import { getKernel, type TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { releaseFloat32, takeFloat32 } from '../buffer-pool.js';
import { convInfo, convShape } from './conv-shape.js';
import {
  expectShape,
  floatValues,
  gradientOutput,
  nativeOnly,
  output,
  sizeOf,
  type AnyKernelFunc,
  type KernelArgs,
} from './util.js';

/*
 * A Conv2D layer's backward pass in one launch instead of Step, Multiply, Sum and the two
 * gradient kernels: relu's dz = dy·step(y) and the bias gradient Σ dz come out of one pass over
 * dy and y (the separate ops read and write the layer's whole output three times), then the
 * filter and input gradients are the Conv2DBackpropFilter and Conv2DBackpropInput kernels' own
 * calls on dz. Same roundings as the op chain, so the same bits. @fnn/core's Conv2D runs this
 * when the active backend registers it.
 */
export const CONV2D_BACKWARD = 'FnnConv2DBackward';

/**
 * The filter gradient from tfjs-cpu's kernel, where ours defers to it (a non-finite dz meets the
 * padding). A computed dz is handed to the backend as a tensor of its own, freed on dispose.
 */
function cpuFilterGradient(args: KernelArgs, dz: Float32Array | null): TensorInfo {
  const { backend, inputs, attrs } = args;
  const dzInfo = dz ? backend.makeTensorInfo([...inputs.dy!.shape], 'float32', dz) : inputs.dy!;
  const cpu = getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc as unknown as AnyKernelFunc;
  const result = cpu({ inputs: { x: inputs.x, dy: dzInfo }, backend, attrs }) as TensorInfo;
  if (dz) backend.disposeData(dzInfo.dataId);
  return result;
}

/**
 * Inputs x [n, h, w, cin], y (the layer's output, read for relu) and dy [n, oh, ow, cout],
 * filter [fh, fw, cin, cout]; attrs strides, pad ('valid' | 'same' | number), activation
 * (linear or relu: dy is d/dy, dz is computed here), useBias, needsDx, and optionally
 * dFilterOut / dBiasOut, Float32Arrays the gradients are written into.
 * Returns [dFilter, dBias if useBias, dx if needsDx].
 */
export function conv2DBackward(args: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x, y, dy, filter } = inputs;
  const activation = String(attrs?.activation ?? 'linear');
  if (activation !== 'linear' && activation !== 'relu')
    throw new Error(`${CONV2D_BACKWARD}: expected activation linear or relu, but got ${activation}.`);
  const geometry = { strides: attrs?.strides, pad: attrs?.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  const info = convInfo({ xShape: x!.shape, filterShape: filter!.shape, attrs: geometry });
  if (!info)
    throw new Error(
      `${CONV2D_BACKWARD}: expected x and filter of rank 4, but got [${x!.shape}] and [${filter!.shape}].`,
    );
  expectShape(dy!, info.outShape, CONV2D_BACKWARD, 'dy');
  const relu = activation === 'relu';
  if (relu) expectShape(y!, info.outShape, CONV2D_BACKWARD, 'y');
  const shape = convShape(info);
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const cout = info.outChannels;
  const xv = floatValues(backend, x!, CONV2D_BACKWARD, 'x');
  const dyv = floatValues(backend, dy!, CONV2D_BACKWARD, 'dy');
  const wv = floatValues(backend, filter!, CONV2D_BACKWARD, 'filter');
  const yv = relu ? floatValues(backend, y!, CONV2D_BACKWARD, 'y') : dyv;
  const db = attrs?.useBias ? gradientOutput(attrs, 'dBiasOut', cout) : null;
  const dx = attrs?.needsDx ? takeFloat32(sizeOf(x!.shape)) : null;
  const dw = gradientOutput(attrs, 'dFilterOut', sizeOf(filter!.shape));
  const outs = (dFilter: TensorInfo) => [
    dFilter,
    ...(db ? [output(backend, [cout], db)] : []),
    ...(dx ? [output(backend, [...x!.shape], dx)] : []),
  ];
  // Block by block, dz never in memory; else (1x1 windows, padding) dz first, then the kernels.
  if (relu && addon.conv2dReluBackward(xv, dyv, yv, wv, dw, db, dx, shape))
    return outs(output(backend, [...filter!.shape], dw));
  const dz = relu ? takeFloat32(dyv.length) : dyv;
  if (relu) addon.reluBackwardBias(dyv, yv, dz, db, rows, cout);
  else if (db) addon.sumRows(dyv, db, rows, cout);
  if (dx) addon.conv2dBackpropInput(dz, wv, dx, shape);
  let dFilter: TensorInfo;
  if (addon.conv2dBackpropFilter(xv, dz, dw, shape)) {
    dFilter = output(backend, [...filter!.shape], dw);
    if (relu) releaseFloat32(dz);
  } else {
    releaseFloat32(dw);
    const filterAttrs = { ...geometry, filterShape: [...filter!.shape] };
    dFilter = cpuFilterGradient({ inputs: { x, dy }, backend, attrs: filterAttrs }, relu ? dz : null);
  }
  return outs(dFilter);
}

export const convBackwardKernels = [nativeOnly(CONV2D_BACKWARD, conv2DBackward)];
