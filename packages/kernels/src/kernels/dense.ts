import type { TensorInfo } from '@tensorflow/tfjs-core';
import { Activation, type NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { expectShape, floatValues, gradientOutput, nativeOnly, output, type KernelArgs } from './util.js';

/*
 * A Dense layer's forward and backward pass, one kernel launch each instead of a chain of tfjs
 * ops (matMul, reshapes, add, activation; step, multiply, two matMuls, sum). The native work
 * is the same calls with the same roundings, so results are bit-identical to the op chains.
 * @fnn/core's Dense runs these when the active backend registers them.
 */
export const DENSE = 'FnnDense';
export const DENSE_BACKWARD = 'FnnDenseBackward';

const ACTIVATIONS: Record<string, number> = {
  linear: Activation.linear,
  relu: Activation.relu,
  softmax: Activation.softmax,
};

function activationCode(kernel: string, attrs: KernelArgs['attrs']): number {
  const name = String(attrs?.activation ?? 'linear');
  const code = ACTIVATIONS[name];
  if (code === undefined) throw new Error(`${kernel}: expected activation linear, relu or softmax, but got ${name}.`);
  return code;
}

/** y = activation(x·kernel + bias): inputs x [rows, in], kernel [in, units], optional bias [units]. */
function dense({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo {
  const { x, kernel, bias } = inputs;
  const act = activationCode(DENSE, attrs);
  const [rows, inDim] = x!.shape as [number, number];
  const units = kernel!.shape[1]!;
  expectShape(kernel!, [inDim, units], DENSE, 'kernel');
  if (bias) expectShape(bias, [units], DENSE, 'bias');
  const out = takeFloat32(rows * units);
  addon.gemm(
    floatValues(backend, x!, DENSE, 'x'),
    floatValues(backend, kernel!, DENSE, 'kernel'),
    out,
    1,
    rows,
    units,
    inDim,
    false,
    false,
    0,
    0,
    bias ? floatValues(backend, bias, DENSE, 'bias') : null,
    act === Activation.relu ? Activation.relu : Activation.linear,
  );
  if (act === Activation.softmax && units > 0) addon.softmax(out, out, rows, units);
  return output(backend, [rows, units], out);
}

/**
 * Inputs x [rows, in], y (the layer's output) and dy [rows, units], kernel [in, units]; attrs
 * activation (linear, relu, softmax: dy is then d/dy, else already d/dz), useBias, needsDx, and
 * optionally dKernelOut / dBiasOut, Float32Arrays the gradients are written into.
 * Returns [dKernel, dBias if useBias, dx if needsDx].
 */
function denseBackward({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const { x, y, dy, kernel } = inputs;
  const act = activationCode(DENSE_BACKWARD, attrs);
  const [rows, inDim] = x!.shape as [number, number];
  const units = kernel!.shape[1]!;
  expectShape(kernel!, [inDim, units], DENSE_BACKWARD, 'kernel');
  expectShape(dy!, [rows, units], DENSE_BACKWARD, 'dy');
  if (act !== Activation.linear) expectShape(y!, [rows, units], DENSE_BACKWARD, 'y');
  const dyv = floatValues(backend, dy!, DENSE_BACKWARD, 'dy');
  const dw = gradientOutput(attrs, 'dKernelOut', inDim * units);
  const db = attrs?.useBias ? gradientOutput(attrs, 'dBiasOut', units) : null;
  const dx = attrs?.needsDx ? takeFloat32(rows * inDim) : null;
  addon.denseBackward(
    floatValues(backend, x!, DENSE_BACKWARD, 'x'),
    act === Activation.linear ? dyv : floatValues(backend, y!, DENSE_BACKWARD, 'y'),
    dyv,
    floatValues(backend, kernel!, DENSE_BACKWARD, 'kernel'),
    dw,
    db,
    dx,
    rows,
    inDim,
    units,
    act,
  );
  const outs = [output(backend, [inDim, units], dw)];
  if (db) outs.push(output(backend, [units], db));
  if (dx) outs.push(output(backend, [rows, inDim], dx));
  return outs;
}

export const denseKernels = [nativeOnly(DENSE, dense), nativeOnly(DENSE_BACKWARD, denseBackward)];
