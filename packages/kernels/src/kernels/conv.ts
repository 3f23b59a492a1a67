import {
  backend_util,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  FusedConv2D,
  MaxPool,
  MaxPoolGrad,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { Activation, type NativeAddon } from '../addon.js';
import { releaseFloat32, takeFloat32 } from '../buffer-pool.js';
import { applyFusedActivation, isSupportedFusedActivation } from './fused-activation.js';
import { f32, output, override, type KernelArgs } from './util.js';

type Conv2DInfo = backend_util.Conv2DInfo;

/** The geometry native/addon.cc's im2col and col2im read. */
function convDims(info: Conv2DInfo): number[] {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.dilationHeight,
    info.dilationWidth,
  ];
}

function poolDims(info: Conv2DInfo): number[] {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/** Rows of the im2col matrix: one per output pixel; columns: one per filter tap and channel. */
function im2col(addon: NativeAddon, x: Float32Array, info: Conv2DInfo): Float32Array {
  const cols = takeFloat32(
    info.batchSize * info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels,
  );
  addon.im2col(x, cols, convDims(info));
  return cols;
}

/** Conv2D (and FusedConv2D: a bias over channels and relu go into the matmul's store). */
function conv2DKernel(
  { inputs, backend, attrs }: KernelArgs,
  addon: NativeAddon,
  bias: Float32Array | null = null,
  activation: number = Activation.linear,
): TensorInfo | null {
  const { x, filter } = inputs;
  const xv = f32(backend, x);
  const wv = f32(backend, filter);
  if (!xv || !wv) return null;
  const info = backend_util.computeConv2DInfo(
    x!.shape as [number, number, number, number],
    filter!.shape as [number, number, number, number],
    attrs!.strides as number,
    attrs!.dilations as number,
    attrs!.pad as 'same',
    attrs!.dimRoundingMode as 'floor',
    false,
    backend_util.convertConv2DDataFormat(attrs!.dataFormat as 'NHWC'),
  );
  if (info.dataFormat !== 'channelsLast') return null;
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  const cols = im2col(addon, xv, info);
  const out = takeFloat32(pixels * info.outChannels);
  addon.gemm(cols, wv, out, 1, pixels, info.outChannels, taps, false, false, 0, 0, bias, activation);
  releaseFloat32(cols);
  return output(backend, info.outShape, out);
}

function fusedConv2DKernel(args: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const { bias, preluActivationWeights } = inputs;
  const activation = (attrs?.activation as string | undefined) ?? 'linear';
  if (!isSupportedFusedActivation(activation)) return null;
  if (attrs?.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return null;
  const channels = inputs.filter?.shape[3];
  let biasRow: Float32Array | null = null;
  if (bias) {
    const values = f32(backend, bias);
    if (!values || channels === undefined) return null;
    if (values.length === channels) biasRow = values;
    else if (values.length === 1) biasRow = new Float32Array(channels).fill(values[0]!);
    else return null;
  }
  const current = conv2DKernel(args, addon, biasRow, activation === 'relu' ? Activation.relu : Activation.linear);
  if (!current || activation === 'relu') return current;
  return applyFusedActivation(backend, current, activation, preluActivationWeights, attrs?.leakyreluAlpha);
}

function conv2DBackpropInputKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const { dy, filter } = inputs;
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  if (!dyv || !wv) return null;
  const info = backend_util.computeConv2DInfo(
    attrs!.inputShape as [number, number, number, number],
    filter!.shape as [number, number, number, number],
    attrs!.strides as number,
    1,
    attrs!.pad as 'same',
    attrs!.dimRoundingMode as 'floor',
    false,
    backend_util.convertConv2DDataFormat(attrs!.dataFormat as 'NHWC'),
  );
  if (info.dataFormat !== 'channelsLast') return null;
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  const dcols = takeFloat32(pixels * taps);
  addon.gemm(dyv, wv, dcols, 1, pixels, taps, info.outChannels, false, true, 0, 0, null, Activation.linear);
  const dx = takeFloat32(info.batchSize * info.inHeight * info.inWidth * info.inChannels);
  addon.col2im(dcols, dx, convDims(info));
  releaseFloat32(dcols);
  return output(backend, [...info.inShape], dx);
}

function conv2DBackpropFilterKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const { x, dy } = inputs;
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  if (!xv || !dyv) return null;
  const filterShape = attrs!.filterShape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(
    x!.shape as [number, number, number, number],
    filterShape,
    attrs!.strides as number,
    1,
    attrs!.pad as 'same',
    attrs!.dimRoundingMode as 'floor',
    false,
    backend_util.convertConv2DDataFormat(attrs!.dataFormat as 'NHWC'),
  );
  if (info.dataFormat !== 'channelsLast') return null;
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  const cols = im2col(addon, xv, info);
  const dw = takeFloat32(taps * info.outChannels);
  addon.gemm(cols, dyv, dw, 1, taps, info.outChannels, pixels, true, false, 0, 0, null, Activation.linear);
  releaseFloat32(cols);
  return output(backend, [...filterShape], dw);
}

function poolInfo(shape: number[], attrs: Record<string, unknown>): Conv2DInfo {
  return backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    attrs.filterSize as number,
    attrs.strides as number,
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor',
  );
}

function maxPoolKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const x = inputs.x!;
  const xv = f32(backend, x);
  if (!xv || x.shape.length !== 4) return null;
  const info = poolInfo(x.shape, attrs!);
  const out = takeFloat32(info.batchSize * info.outHeight * info.outWidth * info.inChannels);
  addon.maxPool(xv, out, poolDims(info));
  return output(backend, info.outShape, out);
}

function maxPoolGradKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const { dy, input } = inputs;
  const dyv = f32(backend, dy);
  const xv = f32(backend, input);
  if (!dyv || !xv || input!.shape.length !== 4) return null;
  const info = poolInfo(input!.shape, attrs!);
  const dx = takeFloat32(xv.length);
  addon.maxPoolGrad(dyv, xv, dx, poolDims(info));
  return output(backend, [...input!.shape], dx);
}

export const convKernels = [
  override(Conv2D, (args, addon) => conv2DKernel(args, addon)),
  override(FusedConv2D, fusedConv2DKernel),
  override(Conv2DBackpropInput, conv2DBackpropInputKernel),
  override(Conv2DBackpropFilter, conv2DBackpropFilterKernel),
  override(MaxPool, maxPoolKernel),
  override(MaxPoolGrad, maxPoolGradKernel),
];
