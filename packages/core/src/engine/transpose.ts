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

/**
 * `dst` (cols × rows) = transpose of `src` (rows × cols), in tiles that stay in cache, each tile
 * as 4 × 4 blocks through locals (twice as fast as one element per iteration: ~0.7 ns an
 * element), the ragged edges element by element.
 */
export function transposeInto(src: Float32Array, dst: Float32Array, rows: number, cols: number): void {
  const rows4 = rows - (rows % 4);
  const cols4 = cols - (cols % 4);
  for (let r0 = 0; r0 < rows4; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows4);
    for (let c0 = 0; c0 < cols4; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols4);
      for (let r = r0; r < r1; r += 4) {
        const s0 = r * cols;
        const s1 = s0 + cols;
        const s2 = s1 + cols;
        const s3 = s2 + cols;
        for (let c = c0; c < c1; c += 4) {
          const d0 = c * rows + r;
          const d1 = d0 + rows;
          const d2 = d1 + rows;
          const d3 = d2 + rows;
          dst[d0] = src[s0 + c]!;
          dst[d0 + 1] = src[s1 + c]!;
          dst[d0 + 2] = src[s2 + c]!;
          dst[d0 + 3] = src[s3 + c]!;
          dst[d1] = src[s0 + c + 1]!;
          dst[d1 + 1] = src[s1 + c + 1]!;
          dst[d1 + 2] = src[s2 + c + 1]!;
          dst[d1 + 3] = src[s3 + c + 1]!;
          dst[d2] = src[s0 + c + 2]!;
          dst[d2 + 1] = src[s1 + c + 2]!;
          dst[d2 + 2] = src[s2 + c + 2]!;
          dst[d2 + 3] = src[s3 + c + 2]!;
          dst[d3] = src[s0 + c + 3]!;
          dst[d3 + 1] = src[s1 + c + 3]!;
          dst[d3 + 2] = src[s2 + c + 3]!;
          dst[d3 + 3] = src[s3 + c + 3]!;
        }
      }
    }
  }
  // The last rows % 4 rows whole, and the last cols % 4 columns of the others.
  for (let r = 0; r < rows; r++) {
    for (let c = r < rows4 ? cols4 : 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c]!;
  }
}

/** The transpose of a matrix; on wasm (float32) through the fast kernel above. */
export function transpose2d(t: Tensor): Tensor {
  if (t.rank !== 2 || t.dtype !== 'float32' || tf.getBackend() !== 'wasm') return tf.transpose(t);
  if (!registered) register();
  return tf.engine().runKernel(KERNEL_NAME, { x: t }, {}) as Tensor;
}
