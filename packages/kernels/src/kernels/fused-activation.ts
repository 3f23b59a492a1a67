import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { runNative } from './util.js';

/** The kernel behind each activation a fused op (_FusedMatMul, FusedConv2D) may ask for. */
const ACTIVATION_KERNELS: Record<string, string> = {
  relu: 'Relu',
  relu6: 'Relu6',
  sigmoid: 'Sigmoid',
  elu: 'Elu',
  leakyrelu: 'LeakyRelu',
  prelu: 'Prelu',
};

export function isSupportedFusedActivation(activation: string): boolean {
  return activation === 'linear' || activation in ACTIVATION_KERNELS;
}

/** A fused op's activation as its inputs and attributes give it. */
export interface FusedActivation {
  activation: string;
  preluActivationWeights: TensorInfo | undefined;
  leakyreluAlpha: unknown;
}

/** Applies a fused op's activation that was not folded into its native store; disposes the input. */
export function applyFusedActivation(
  backend: MathBackendCPU,
  x: TensorInfo,
  { activation, preluActivationWeights, leakyreluAlpha }: FusedActivation,
): TensorInfo {
  if (activation === 'linear') return x;
  const activated = runNative(ACTIVATION_KERNELS[activation]!, {
    inputs: activation === 'prelu' ? { x, alpha: preluActivationWeights } : { x },
    backend,
    attrs: { alpha: leakyreluAlpha },
  });
  backend.disposeIntermediateTensorInfo(x);
  return activated;
}
