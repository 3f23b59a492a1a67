import { getKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadAddon, type NativeAddon } from '../addon.js';
import { isRecyclable, markEscaped, takeFloat32 } from '../buffer-pool.js';

export const BACKEND_NAME = 'native';

/** The kernel arguments every override receives (the backend is always a MathBackendCPU). */
export interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: MathBackendCPU;
  attrs?: Record<string, unknown>;
}

/** A kernel that handles what it can natively and returns null to defer to tfjs-cpu's kernel. */
export type NativeKernel = (args: KernelArgs, addon: NativeAddon) => TensorInfo | TensorInfo[] | null;

/** The Float32Array behind a float32 tensor (no copy), or null for any other dtype. */
export function f32(backend: MathBackendCPU, t: TensorInfo | undefined): Float32Array | null {
  if (t === undefined || t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId).values;
  return values instanceof Float32Array ? values : null;
}

export function output(
  backend: MathBackendCPU,
  shape: number[],
  values: Float32Array | Uint8Array | Int32Array,
  dtype: 'float32' | 'bool' | 'int32' = 'float32',
): TensorInfo {
  return backend.makeTensorInfo(shape, dtype, values);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Runs the kernel registered for the 'native' backend (an override or tfjs-cpu's). */
export function runNative(name: string, args: KernelArgs): TensorInfo {
  const config = getKernel(name, BACKEND_NAME) ?? getKernel(name, 'cpu');
  if (!config) throw new Error(`@fnn/kernels: no kernel ${name} for the native backend`);
  return (config.kernelFunc as unknown as (a: KernelArgs) => TensorInfo)(args);
}

/** A kernel config for 'native' that tries `kernel` first and falls back to tfjs-cpu's kernel. */
export function override(kernelName: string, kernel: NativeKernel): KernelConfig {
  const cpu = getKernel(kernelName, 'cpu');
  if (!cpu) throw new Error(`@fnn/kernels: tfjs-cpu has no kernel ${kernelName} to fall back to`);
  const fallback = guardAliases(cpu.kernelFunc as unknown as AnyKernelFunc);
  const kernelFunc = (args: KernelArgs) => kernel(args, loadAddon()) ?? fallback(args);
  return { kernelName, backendName: BACKEND_NAME, kernelFunc: kernelFunc as unknown as KernelFunc };
}

export type AnyKernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

/**
 * Wraps a tfjs-cpu kernel: some return views of their input's memory (Slice returns a subarray)
 * or the same array under a new id, and such an input must never be reused by the pool.
 */
export function guardAliases(kernelFunc: AnyKernelFunc): AnyKernelFunc {
  return (args) => {
    const result = kernelFunc(args);
    const { backend } = args;
    for (const input of Object.values(args.inputs)) {
      if (!input || !backend.data.has(input.dataId)) continue;
      const inputValues = backend.data.get(input.dataId).values;
      if (!isRecyclable(inputValues)) continue;
      for (const out of Array.isArray(result) ? result : [result]) {
        if (out.dataId === input.dataId || !backend.data.has(out.dataId)) continue;
        const outValues = backend.data.get(out.dataId).values as ArrayBufferView | undefined;
        if (outValues && outValues.buffer === (inputValues as Float32Array).buffer) markEscaped(inputValues);
      }
    }
    return result;
  };
}

/**
 * The values of a float32 tensor as a Float32Array: its own memory, or a copy when tfjs-cpu
 * stored it otherwise (a float32 Cast of a bool tensor keeps the Uint8Array).
 */
export function floatValues(backend: MathBackendCPU, t: TensorInfo, kernel: string, name: string): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`${kernel}: expected ${name} to be float32, but got ${t.dtype}.`);
  const values = backend.data.get(t.dataId).values;
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/**
 * Where a weight gradient goes: the Float32Array a caller named in `attrs[name]` (a data-parallel
 * worker's slot of shared memory) when it has `length` values, else a new array from the pool.
 */
export function gradientOutput(attrs: KernelArgs['attrs'], name: string, length: number): Float32Array {
  const out = attrs?.[name];
  return out instanceof Float32Array && out.length === length ? out : takeFloat32(length);
}

/** Throws unless `t` has `shape` (the fused kernels' callers check shapes; this names a misuse). */
export function expectShape(t: TensorInfo, shape: readonly number[], kernel: string, name: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${kernel}: expected ${name} of shape [${shape.join(', ')}], but got [${t.shape.join(', ')}].`);
  }
}

/** A kernel of this package's own (no tfjs-cpu counterpart to fall back to) for the native backend. */
export function nativeOnly(
  kernelName: string,
  kernel: (args: KernelArgs, addon: NativeAddon) => TensorInfo | TensorInfo[],
): KernelConfig {
  const kernelFunc = (args: KernelArgs) => kernel(args, loadAddon());
  return { kernelName, backendName: BACKEND_NAME, kernelFunc: kernelFunc as unknown as KernelFunc };
}
