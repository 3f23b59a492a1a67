import { tf, type Tensor } from '../tf.js';

/*
 * A fast 2-D transpose for wasm. tfjs-backend-wasm's Transpose kernel is a generic N-d loop:
 * ~2.5 ms for a 128×784 batch, as long as the matmul it feeds. Backward passes transpose an
 * activation or a kernel for every Dense layer, so this kernel (a cache-blocked copy on the
 * heap, ~20× faster) is registered under its own name and used by `matMul` on wasm.
 */
const KERNEL_NAME = 'FnnTranspose2D';
const TILE = 32;

interface TensorInfoLike {
  dataId: object;
  shape: number[];
  dtype: string;
}
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): TensorInfoLike;
  typedArrayFromHeap(info: TensorInfoLike): Float32Array;
}

let registered = false;

function register(): void {
  registered = true;
  tf.registerKernel({
    kernelName: KERNEL_NAME,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as unknown as TensorInfoLike;
      const wasm = backend as unknown as WasmBackendLike;
      const [rows, cols] = x.shape as [number, number];
      const out = wasm.makeOutput([cols, rows], 'float32');
      // Views after the allocation: it may have grown (and moved) the heap.
      transposeInto(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(out), rows, cols);
      return out as unknown as tf.TensorInfo;
    },
  });
  tf.registerGradient({ kernelName: KERNEL_NAME, gradFunc: (dy) => ({ x: () => transpose2d(dy as Tensor) }) });
}

/** `dst` (cols × rows) = transpose of `src` (rows × cols), in tiles that stay in cache. */
export function transposeInto(src: Float32Array, dst: Float32Array, rows: number, cols: number): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let r = r0; r < r1; r++) {
        const rowStart = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[rowStart + c]!;
      }
    }
  }
}

/** The transpose of a matrix; on wasm (float32) through the fast kernel above. */
export function transpose2d(t: Tensor): Tensor {
  if (t.rank !== 2 || t.dtype !== 'float32' || tf.getBackend() !== 'wasm') return tf.transpose(t);
  if (!registered) register();
  return tf.engine().runKernel(KERNEL_NAME, { x: t }, {}) as Tensor;
}
