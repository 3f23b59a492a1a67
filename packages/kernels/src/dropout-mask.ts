// Dropout masks drawn natively, as direct calls (not tfjs kernels); the registered kernel that
// draws the mask and applies it in one launch is kernels/fnn-dropout.ts.
import { engine, type Tensor } from '@tensorflow/tfjs-core';
import { loadAddon } from './addon.js';
import { typedArrayBackend } from './backend.js';
import { takeFloat32 } from './buffer-pool.js';
import { dropoutThreshold } from './kernels/fnn-dropout.js';

function checkRate(fn: string, rate: number): void {
  if (!(rate >= 0 && rate < 1)) throw new Error(`${fn}: expected 0 <= rate < 1, but got ${rate}.`);
}

function fill(out: Float32Array, rate: number, seed: number): void {
  const { threshold, scale } = dropoutThreshold(rate);
  loadAddon().dropout(null, null, out, threshold, scale, seed >>> 0);
}

/**
 * Fills `out` with an inverted-dropout mask in one native pass, bit for bit what @fnn/core's
 * `fillDropoutMask(out, rate, seed)` writes: a mulberry32 stream from `seed`, each 32-bit draw
 * u giving u >= floor(rate * 2^32) ? 1 / (1 - rate) : 0.
 */
export function nativeDropoutMask(out: Float32Array, rate: number, seed: number): void {
  checkRate('nativeDropoutMask', rate);
  fill(out, rate, seed);
}

/**
 * The same mask as a float32 tensor of `shape` on the active native (or cpu) backend, its memory
 * taken from the backend's buffer pool: no fresh 100-KB array per dropout layer per step.
 */
export function nativeDropoutMaskTensor(shape: number[], rate: number, seed: number): Tensor {
  checkRate('nativeDropoutMaskTensor', rate);
  const backend = typedArrayBackend();
  if (!backend)
    throw new Error(
      `nativeDropoutMaskTensor: needs the 'native' backend, but the active one is '${engine().backendName}'.`,
    );
  const values = takeFloat32(shape.reduce((a, b) => a * b, 1));
  fill(values, rate, seed);
  return engine().makeTensorFromTensorInfo(backend.makeTensorInfo(shape, 'float32', values), backend);
}
