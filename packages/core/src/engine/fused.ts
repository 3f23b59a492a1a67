import { tf, type Tensor } from '../tf.js';

/**
 * Fused training kernels a backend may register besides tfjs's own. @fnn/kernels registers
 * them for 'native': each is one launch for a chain of ops (a Dense layer's backward pass is
 * ~11), with the chain's exact roundings. Layers and losses run them where the active backend
 * has them and their own op chains elsewhere.
 */
export const FUSED = {
  /** {x [rows, in], kernel, bias?}, {activation: linear|relu|softmax} → y. */
  dense: 'FnnDense',
  /** {x, y, dy, kernel}, {activation, useBias, needsDx} → [dKernel, dBias?, dx?]. */
  denseBackward: 'FnnDenseBackward',
  /** {x}, {rate, seed} → [x · mask, mask], the mask of fillDropoutMask(rate, seed). */
  dropout: 'FnnDropout',
  /** {yTrue, yPred}, {epsilon, gradient} → [mean loss, d/dyPred?]. */
  categoricalCrossentropy: 'FnnCategoricalCrossentropy',
  /** {yTrue, yPred} → mean categorical accuracy. */
  categoricalAccuracy: 'FnnCategoricalAccuracy',
} as const;

export type FusedKernel = (typeof FUSED)[keyof typeof FUSED];

/** Whether the active backend registers `kernel`. */
export function hasFused(kernel: FusedKernel): boolean {
  return tf.getKernel(kernel, tf.getBackend()) !== undefined;
}

/** Runs a fused kernel on the active backend (check `hasFused` first). */
export function runFused(
  kernel: FusedKernel,
  inputs: Record<string, Tensor>,
  attrs: Record<string, unknown> = {},
): Tensor[] {
  const result = tf.engine().runKernel(kernel, inputs, attrs as never) as Tensor | Tensor[];
  return Array.isArray(result) ? result : [result];
}
