import '@tensorflow/tfjs-backend-cpu';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import {
  findBackendFactory,
  getKernelsForBackend,
  registerBackend,
  registerKernel,
  type KernelConfig,
} from '@tensorflow/tfjs-core';
import { loadAddon } from './addon.js';
import { markEscaped, releaseFloat32 } from './buffer-pool.js';
import { arrayUpdateKernels } from './kernels/array-updates.js';
import { batchNormTrainKernels } from './kernels/fnn-batch-norm-train.js';
import { batchNormKernels } from './kernels/fused-batch-norm.js';
import { convKernels } from './kernels/conv.js';
import { convBackwardKernels } from './kernels/conv-backward.js';
import { convPoolKernels } from './kernels/conv-pool.js';
import { forgetArgmax } from './kernels/pool-argmax.js';
import { crossentropyKernels } from './kernels/crossentropy.js';
import { denseKernels } from './kernels/dense.js';
import { dropoutKernels } from './kernels/fnn-dropout.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { gatherKernels, layoutKernels } from './kernels/layout.js';
import { matMulKernels } from './kernels/matmul.js';
import { reduceKernels } from './kernels/reduce.js';
import { BACKEND_NAME, guardAliases, type AnyKernelFunc } from './kernels/util.js';

/**
 * tfjs-cpu's backend (tensors are plain typed arrays), so every tfjs-cpu kernel runs on it
 * unchanged; the kernels that carry a training step's work are replaced by native ones that
 * read and write those arrays in place.
 */
export class NativeBackend extends MathBackendCPU {
  constructor() {
    super();
    // tfjs-cpu prints "install tfjs-node" on first use; this backend is the native one.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** Values read out (dataSync, data, arraySync, ...) belong to the caller from now on. */
  override readSync(dataId: object): ReturnType<MathBackendCPU['readSync']> {
    if (this.data.has(dataId)) markEscaped(this.data.get(dataId).values);
    return super.readSync(dataId);
  }

  /** A disposed tensor's array goes back to the pool (if this package allocated it), its pooling record goes. */
  override disposeData(dataId: object, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const released = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) {
      releaseFloat32(values);
      forgetArgmax(dataId);
    }
    return released;
  }
}

/** Every kernel this package implements natively (the rest of tfjs-cpu's run as they are). */
export function nativeKernelNames(): string[] {
  return overrides().map((k) => k.kernelName);
}

let cachedOverrides: KernelConfig[] | undefined;
function overrides(): KernelConfig[] {
  cachedOverrides ??= [
    ...matMulKernels,
    ...elementwiseKernels,
    ...reduceKernels,
    ...layoutKernels,
    ...gatherKernels,
    ...batchNormKernels,
    ...convKernels,
    ...convBackwardKernels,
    ...convPoolKernels,
    ...denseKernels,
    ...dropoutKernels,
    ...crossentropyKernels,
    ...batchNormTrainKernels,
    ...arrayUpdateKernels,
  ];
  return cachedOverrides;
}

let registered = false;

/**
 * Registers the `native` TensorFlow.js backend (once per thread) in the tfjs-core instance this
 * package shares with @fnn/core. Throws "native addon not built: ..." when the addon is missing.
 * Priority 0: tfjs never picks it by itself; select it with `tf.setBackend('native')`.
 */
export function registerNativeBackend(): void {
  if (registered) return;
  loadAddon();
  // Another copy of this module (e.g. a test runner's fresh module graph) may have done it.
  if (findBackendFactory(BACKEND_NAME)) {
    registered = true;
    return;
  }
  const native = overrides();
  const replaced = new Set(native.map((k) => k.kernelName));
  for (const kernel of getKernelsForBackend('cpu')) {
    if (replaced.has(kernel.kernelName)) continue;
    const kernelFunc = guardAliases(
      kernel.kernelFunc as unknown as AnyKernelFunc,
    ) as unknown as KernelConfig['kernelFunc'];
    registerKernel({ ...kernel, backendName: BACKEND_NAME, kernelFunc });
  }
  for (const kernel of native) registerKernel(kernel);
  registerBackend(BACKEND_NAME, () => new NativeBackend(), 0);
  registered = true;
}
