import { util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { f32, output, override, sizeOf, type KernelArgs } from './util.js';

enum Reduce {
  sum = 0,
  max = 1,
  min = 2,
  mean = 3,
}

interface Split {
  /** Product of the kept axes and of the reduced axes. */
  kept: number;
  reduced: number;
  /** True when the reduced axes lead (column sums), false when they trail (row reductions). */
  leading: boolean;
  outShape: number[];
}

/** Reductions whose axes are a prefix or a suffix of the shape are a [rows, cols] reduction. */
function split(shape: readonly number[], axisAttr: unknown, keepDims: boolean): Split | null {
  const rank = shape.length;
  const axes = [...util.parseAxisParam(axisAttr as number | number[], [...shape])].sort((x, y) => x - y);
  if (new Set(axes).size !== axes.length) return null;
  const isSuffix = axes.every((axis, i) => axis === rank - axes.length + i);
  const isPrefix = axes.every((axis, i) => axis === i);
  if (!isSuffix && !isPrefix) return null;
  const reducedSize = sizeOf(axes.map((axis) => shape[axis]!));
  const outShape = keepDims
    ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !axes.includes(i));
  return { kept: sizeOf(outShape), reduced: reducedSize, leading: !isSuffix, outShape };
}

function reduceKernel(op: Reduce, axisName: 'axis' | 'reductionIndices') {
  return ({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null => {
    const x = inputs.x!;
    const xv = f32(backend, x);
    if (!xv) return null;
    const parts = split(x.shape, attrs?.[axisName], Boolean(attrs?.keepDims));
    if (!parts) return null;
    const out = takeFloat32(sizeOf(parts.outShape));
    if (parts.leading) {
      if (op !== Reduce.sum && op !== Reduce.mean) return null;
      addon.sumRows(xv, out, parts.reduced, out.length);
      if (op === Reduce.mean) for (let i = 0; i < out.length; i++) out[i] = out[i]! / parts.reduced;
    } else {
      if ((op === Reduce.max || op === Reduce.min) && parts.reduced === 0) return null;
      addon.reduceCols(op, xv, out, out.length, parts.reduced);
    }
    return output(backend, parts.outShape, out);
  };
}

function argMaxKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const x = inputs.x!;
  const xv = f32(backend, x);
  const rank = x.shape.length;
  const axis = util.parseAxisParam(attrs?.axis as number, [...x.shape]);
  if (!xv || axis.length !== 1 || axis[0] !== rank - 1 || x.shape[rank - 1] === 0) return null;
  const outShape = x.shape.slice(0, -1);
  const out = new Int32Array(sizeOf(outShape));
  addon.argmaxCols(xv, out, out.length, x.shape[rank - 1]!);
  return output(backend, outShape, out, 'int32');
}

export const reduceKernels = [
  override('Sum', reduceKernel(Reduce.sum, 'axis')),
  override('Mean', reduceKernel(Reduce.mean, 'axis')),
  override('Max', reduceKernel(Reduce.max, 'reductionIndices')),
  override('Min', reduceKernel(Reduce.min, 'axis')),
  override('ArgMax', argMaxKernel),
];
