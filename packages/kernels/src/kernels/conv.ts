import { Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, FusedConv2D, type TensorInfo } from '@tensorflow/tfjs-core';
import { Activation, type NativeAddon } from '../addon.js';
import { releaseFloat32, takeFloat32 } from '../buffer-pool.js';
import { convInfo, convShape } from './conv-shape.js';
import { applyFusedActivation, isSupportedFusedActivation } from './fused-activation.js';
import { poolKernels } from './pool.js';
import { f32, output, override, sizeOf, type KernelArgs } from './util.js';

/** Conv2D (and FusedConv2D: a bias over channels and relu go into the matrix product's store). */
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
  const dilations = (attrs!.dilations as number | [number, number] | undefined) ?? 1;
  const info = convInfo({ xShape: x!.shape, filterShape: filter!.shape, attrs: attrs!, dilations });
  if (!info) return null;
  const out = takeFloat32(sizeOf(info.outShape));
  if (!addon.conv2d(xv, wv, bias, activation, out, convShape(info))) {
    releaseFloat32(out);
    return null; // a non-finite filter meets the padding: tfjs-cpu's loops skip padded taps
  }
  return output(backend, info.outShape, out);
}

/** The bias as one value per output channel, or null when it has another shape (tfjs-cpu then). */
function channelBias(args: KernelArgs): Float32Array | null | undefined {
  const { bias, filter } = args.inputs;
  if (!bias) return null;
  const values = f32(args.backend, bias);
  const channels = filter?.shape[3];
  if (!values || channels === undefined) return undefined;
  if (values.length === channels) return values;
  if (values.length === 1) return new Float32Array(channels).fill(values[0]!);
  return undefined;
}

function fusedConv2DKernel(args: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const activation = (attrs?.activation as string | undefined) ?? 'linear';
  if (!isSupportedFusedActivation(activation)) return null;
  if (attrs?.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return null;
  const bias = channelBias(args);
  if (bias === undefined) return null;
  const fused = activation === 'relu' ? Activation.relu : Activation.linear;
  const current = conv2DKernel(args, addon, bias, fused);
  if (!current || activation === 'relu') return current;
  return applyFusedActivation(backend, current, {
    activation,
    preluActivationWeights: inputs.preluActivationWeights,
    leakyreluAlpha: attrs?.leakyreluAlpha,
  });
}

function conv2DBackpropInputKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const { dy, filter } = inputs;
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  if (!dyv || !wv) return null;
  const info = convInfo({ xShape: attrs!.inputShape as number[], filterShape: filter!.shape, attrs: attrs! });
  if (!info) return null;
  const dx = takeFloat32(sizeOf(info.inShape));
  addon.conv2dBackpropInput(dyv, wv, dx, convShape(info));
  return output(backend, [...info.inShape], dx);
}

function conv2DBackpropFilterKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const { x, dy } = inputs;
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  if (!xv || !dyv) return null;
  const filterShape = attrs!.filterShape as number[];
  const info = convInfo({ xShape: x!.shape, filterShape, attrs: attrs! });
  if (!info) return null;
  const dw = takeFloat32(sizeOf(filterShape));
  if (!addon.conv2dBackpropFilter(xv, dyv, dw, convShape(info))) {
    releaseFloat32(dw);
    return null; // a non-finite dy meets the padding: tfjs-cpu's loops skip padded taps
  }
  return output(backend, [...filterShape], dw);
}

/** The convolution kernels, and the pooling ones (src/kernels/pool.ts) that run between them. */
export const convKernels = [
  override(Conv2D, (args, addon) => conv2DKernel(args, addon)),
  override(FusedConv2D, fusedConv2DKernel),
  override(Conv2DBackpropInput, conv2DBackpropInputKernel),
  override(Conv2DBackpropFilter, conv2DBackpropFilterKernel),
  ...poolKernels,
];
