import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { f32, output, override, sizeOf, type KernelArgs } from './util.js';

/**
 * Permutations that keep leading axes and swap the next two blocks of axes ([1, 0], [0, 2, 1],
 * NHWC→NCHW [0, 3, 1, 2], ...) are a batch of 2-D transposes.
 */
export function blockSwap(shape: readonly number[], perm: readonly number[]): [number, number, number] | null {
  const rank = shape.length;
  let prefix = 0;
  while (prefix < rank && perm[prefix] === prefix) prefix++;
  if (prefix === rank) return [1, 1, sizeOf(shape)];
  const split = perm[prefix]!;
  const tail = rank - split;
  for (let i = 0; i < rank - prefix; i++) {
    const expected = i < tail ? split + i : prefix + (i - tail);
    if (perm[prefix + i] !== expected) return null;
  }
  return [sizeOf(shape.slice(0, prefix)), sizeOf(shape.slice(prefix, split)), sizeOf(shape.slice(split))];
}

function transposeKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const x = inputs.x!;
  const xv = f32(backend, x);
  const perm = attrs?.perm as number[];
  if (!xv) return null;
  const dims = blockSwap(x.shape, perm);
  if (!dims) return null;
  const out = takeFloat32(xv.length);
  addon.transpose(xv, out, dims[0], dims[1], dims[2]);
  return output(
    backend,
    perm.map((axis) => x.shape[axis]!),
    out,
  );
}

function softmaxKernel({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const logits = inputs.logits!;
  const xv = f32(backend, logits);
  const rank = logits.shape.length;
  const dim = Number(attrs?.dim ?? -1);
  if (!xv || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
  const cols = logits.shape[rank - 1]!;
  const out = takeFloat32(xv.length);
  if (cols > 0) addon.softmax(xv, out, xv.length / cols, cols);
  return output(backend, [...logits.shape], out);
}

export const layoutKernels = [override('Transpose', transposeKernel), override('Softmax', softmaxKernel)];

/** Gathering whole rows (axis 0), as a batch is taken from a shuffled dataset: one copy per row. */
function gatherRowsKernel({ inputs, backend, attrs }: KernelArgs): TensorInfo | null {
  const { x, indices } = inputs;
  if (!x || !indices || x.shape.length === 0 || Number(attrs?.batchDims ?? 0) !== 0) return null;
  const axis = Number(attrs?.axis ?? 0);
  if (axis !== 0 && axis !== -x.shape.length) return null;
  const source = backend.data.get(x.dataId).values;
  const index = backend.data.get(indices.dataId).values;
  if (
    !(index instanceof Int32Array) ||
    !(source instanceof Float32Array || source instanceof Int32Array || source instanceof Uint8Array)
  )
    return null;
  const rows = x.shape[0]!;
  const rowSize = rows === 0 ? 0 : source.length / rows;
  for (const i of index) if (!(i >= 0 && i < rows)) return null; // tfjs-cpu reports the bad index
  const size = index.length * rowSize;
  const out =
    source instanceof Float32Array
      ? takeFloat32(size)
      : new (source.constructor as new (n: number) => Int32Array | Uint8Array)(size);
  for (let r = 0; r < index.length; r++) {
    const from = index[r]! * rowSize;
    out.set(source.subarray(from, from + rowSize), r * rowSize);
  }
  return output(backend, [...indices.shape, ...x.shape.slice(1)], out, x.dtype as 'float32' | 'int32' | 'bool');
}

export const gatherKernels = [override('GatherV2', (args) => gatherRowsKernel(args))];
