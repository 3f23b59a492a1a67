// The public surface of @fnn/kernels.
export { NativeBackend, registerNativeBackend, nativeKernelNames } from './backend.js';
export { nativeUnavailableReason } from './addon.js';
export { tensorValues, variableValues } from './tensor-data.js';
export {
  nativeAdamUpdate,
  nativeSgdUpdate,
  nativeRmspropUpdate,
  type AdamOptions,
  type SgdOptions,
  type RmspropOptions,
} from './optimizers.js';
export {
  nativeBatchNormForward,
  nativeBatchNormBackward,
  type BatchNormForward,
  type BatchNormParams,
} from './batch-norm-training.js';
export { nativeDropoutMask } from './dropout-mask.js';
export { nativeWeightedSum } from './weighted-sum.js';

import { loadAddon } from './addon.js';

/** The instruction set the kernels were dispatched to on this CPU: 'avx512', 'avx2' or 'portable'. */
export function nativeIsa(): string {
  return loadAddon().isa();
}
