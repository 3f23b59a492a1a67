import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { engine } from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { hasEscaped } from './buffer-pool.js';

// The native backend's own storage, read by the package that defines it: @fnn/core's
// training/tensor-memory.ts is the one module reading other backends' storage from outside.
const owned = new WeakSet<Float32Array>();

/** The active backend if it keeps tensors as typed arrays (native or cpu), else null. */
export function typedArrayBackend(): MathBackendCPU | null {
  const backend = engine().backend;
  return backend instanceof MathBackendCPU ? backend : null;
}

/**
 * The Float32Array that holds a float32 tensor's values on the `native` (or `cpu`) backend —
 * the tensor's own memory, no copy — or null on other backends and dtypes. Read it; write only
 * through `variableValues`.
 */
export function tensorValues(tensor: Tensor): Float32Array | null {
  const backend = typedArrayBackend();
  if (!backend || tensor.dtype !== 'float32' || tensor.isDisposed) return null;
  const values = backend.data.get(tensor.dataId).values;
  return values instanceof Float32Array ? values : null;
}

/**
 * The memory of a float32 variable, safe to update in place (the optimizers' fused updates do):
 * the first call gives the variable a fresh buffer of its own, since on tfjs-cpu a variable can
 * share its buffer with the tensor it was created from or assigned. Null on other backends.
 */
export function variableValues(variable: Variable): Float32Array | null {
  const backend = typedArrayBackend();
  const values = tensorValues(variable);
  if (!backend || !values) return null;
  // Not once dataSync handed it out: an update in place would change the caller's copy, which
  // tfjs (new tensors at every step) never does.
  if (owned.has(values) && !hasEscaped(values) && backend.refCount(variable.dataId) === 1) return values;
  const copy = values.slice();
  const fresh = engine().makeTensor(copy, variable.shape, 'float32');
  variable.assign(fresh);
  fresh.dispose();
  owned.add(copy);
  return copy;
}
