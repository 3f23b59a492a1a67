import { tf, type Tensor, type Variable } from '../tf.js';
import { WebAssemblyJs, type WasmMemory } from './optimizers/heap-kernels.js';

/*
 * The one module that reaches into tfjs backends' storage, for the hot loops of training
 * (optimizer updates, batch gathering, a data-parallel trainer's gradient exchange), which run
 * as single loops instead of chains of tfjs kernels: on wasm, tfjs's Adam is ~14 element-wise
 * kernels per weight and its Gather kernel takes milliseconds for one MNIST batch. On wasm the
 * loops read the heap; on backends that keep JavaScript arrays (cpu, native) those arrays;
 * elsewhere copies.
 *
 * Weights are never changed in place on wasm: its matMul (XNNPACK) caches packed weights per
 * tensor id, so in-place changes would leave later forward passes on the old weights. Updates go
 * to fresh memory (a new id) that becomes the variable's value.
 */

type Values = Float32Array | Int32Array | Uint8Array;

interface TensorInfoLike {
  dataId: object;
  shape: number[];
  dtype: string;
}

/** The public methods of tfjs-backend-wasm's BackendWasm used here. */
interface WasmBackendLike {
  typedArrayFromHeap(info: TensorInfoLike): Values;
  makeOutput(shape: number[], dtype: string): TensorInfoLike;
  getMemoryOffset(dataId: object): number;
  wasm: { _malloc(bytes: number): number; _free(pointer: number): void; asm?: { memory?: WasmMemory } };
}

function wasmBackend(): WasmBackendLike | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as Partial<WasmBackendLike>;
  return typeof backend.typedArrayFromHeap === 'function' && typeof backend.makeOutput === 'function'
    ? (backend as WasmBackendLike)
    : undefined;
}

/** The storage of tfjs-backend-cpu and backends built like it (@fnn/kernels' native): a JavaScript array per tensor. */
interface ArrayBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
}

/** The array a backend keeping JavaScript arrays holds for `t` (read in place: dataSync would hand it out for good). */
function keptArray(t: Tensor): Values | undefined {
  const backend = tf.backend() as unknown as Partial<ArrayBackendLike>;
  const values = backend.data?.get(t.dataId)?.values;
  const typed = values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array;
  return typed && values.length === t.size ? values : undefined;
}

/**
 * Whether `readValues` reaches the tensor's memory without copying it (wasm, cpu), so reading a
 * few rows of a large tensor is cheap (native has its own Gather kernel).
 */
export function hasDirectAccess(): boolean {
  const name = tf.getBackend();
  return name === 'wasm' || name === 'cpu';
}

/**
 * The values of a tensor, read-only. On wasm a view of the heap, valid until the next tfjs
 * allocation (which may grow and move the heap); on cpu and native the backend's own array;
 * elsewhere a copy.
 */
export function readValues(t: Tensor): Values {
  const wasm = wasmBackend();
  if (wasm && t.dtype !== 'string' && t.dtype !== 'complex64')
    return wasm.typedArrayFromHeap(t as unknown as TensorInfoLike);
  return keptArray(t) ?? (t.dataSync() as Values);
}

/**
 * Whether the active backend keeps the very array a tensor is created from (cpu, native): then a
 * tensor made over shared memory computes with that memory, and writes to it are its new values.
 * False on backends that copy (wasm, tensorflow).
 */
export function keepsGivenArrays(): boolean {
  const probe = new Float32Array(0);
  const t = tf.tensor(probe, [0], 'float32');
  const backend = tf.backend() as unknown as Partial<ArrayBackendLike>;
  const keeps = backend.data?.get(t.dataId)?.values === probe;
  t.dispose();
  return keeps;
}

/**
 * A new tensor whose values `fill` writes. On wasm they are written straight into the heap (no
 * JavaScript buffer, so no garbage per batch); elsewhere into a new array.
 */
export function tensorFromValues(
  shape: number[],
  dtype: 'float32' | 'int32',
  fill: (values: Float32Array | Int32Array) => void,
): Tensor {
  const wasm = wasmBackend();
  if (wasm) {
    const info = wasm.makeOutput(shape, dtype);
    fill(wasm.typedArrayFromHeap(info) as Float32Array | Int32Array);
    return tf.engine().makeTensorFromTensorInfo(info as unknown as tf.TensorInfo);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const values = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  fill(values);
  return tf.tensor(values, shape, dtype);
}

/** `readValues` for a float32 tensor (other dtypes are converted). */
export function readFloat32(t: Tensor): Float32Array {
  const values = readValues(t);
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

/**
 * Runs `update` on a copy of the variable's values that then becomes its new value (on wasm a
 * copy made on the heap, with no round trip through JavaScript arrays).
 */
export function updateVariable(variable: Variable, update: (values: Float32Array) => void): void {
  const wasm = wasmBackend();
  if (wasm && variable.dtype === 'float32') {
    const info = wasm.makeOutput(variable.shape, 'float32');
    const fresh = wasm.typedArrayFromHeap(info) as Float32Array;
    fresh.set(wasm.typedArrayFromHeap(variable as unknown as TensorInfoLike) as Float32Array);
    update(fresh);
    assignInfo(variable, info);
    return;
  }
  // dataSync may return the backend's own array (cpu): copy before changing it.
  const values = Float32Array.from(variable.dataSync() as ArrayLike<number>);
  update(values);
  const next = tf.tensor(values, variable.shape, 'float32');
  variable.assign(next);
  next.dispose();
}

function assignInfo(variable: Variable, info: TensorInfoLike): void {
  const next = tf.engine().makeTensorFromTensorInfo(info as unknown as tf.TensorInfo);
  variable.assign(next);
  next.dispose();
}

/** The wasm backend's heap, for kernels that work on it directly (optimizer updates). */
export interface WasmHeap {
  memory: WasmMemory;
  malloc(bytes: number): number;
  free(pointer: number): void;
  /** A Float32Array over `length` floats at byte offset `pointer` (re-take after allocations). */
  floats(pointer: number, length: number): Float32Array;
  /** Byte offset of a tensor's values. */
  offsetOf(t: Tensor): number;
  /**
   * Gives `write` the byte offsets of the variable's values and of fresh memory of the same
   * size, which then becomes the variable's value.
   */
  rewrite(variable: Variable, write: (from: number, to: number) => void): void;
}

/** The active wasm backend's heap, or undefined on other backends. */
export function wasmHeap(): WasmHeap | undefined {
  const backend = wasmBackend();
  const module = backend?.wasm;
  const memory = module?.asm?.memory;
  if (!backend || !module || !(memory instanceof WebAssemblyJs.Memory) || typeof backend.getMemoryOffset !== 'function')
    return undefined;
  return {
    memory,
    malloc: (bytes) => module._malloc(bytes) >>> 0,
    free: (pointer) => module._free(pointer),
    floats: (pointer, length) => new Float32Array(memory.buffer, pointer, length),
    offsetOf: (t) => backend.getMemoryOffset(t.dataId),
    rewrite: (variable, write) => {
      const info = backend.makeOutput(variable.shape, 'float32');
      write(backend.getMemoryOffset(variable.dataId), backend.getMemoryOffset(info.dataId));
      assignInfo(variable, info);
    },
  };
}
