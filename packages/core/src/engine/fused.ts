import { tf, type Tensor } from '../tf.js';

/**
 * Fused training kernels a backend may register besides tfjs's own: the one way a backend
 * accelerates core. @fnn/kernels registers them for 'native': each is one launch for a chain of
 * ops (a Dense layer's backward pass is ~11) or for a whole loop (an optimizer step over every
 * weight), with the chain's exact roundings. Layers, losses, metrics, optimizers and the gradient
 * average run them where the active backend has them, and their own op chains or loops elsewhere.
 */
export const FUSED = {
  /** {x [rows, in], kernel, bias?}, {activation: linear|relu|softmax} → y. */
  dense: 'FnnDense',
  /** {x, y, dy, kernel}, {activation, useBias, needsDx} → [dKernel, dBias?, dx?]. */
  denseBackward: 'FnnDenseBackward',
  /**
   * {x, y, dy, filter}, {strides, pad, activation: linear|relu, useBias, needsDx, dFilterOut?,
   * dBiasOut?} → [dFilter, dBias?, dx?]: a Conv2D layer's backward pass (NHWC).
   */
  conv2dBackward: 'FnnConv2DBackward',
  /**
   * {x, filter, bias?}, {strides, pad, poolSize} → pooled: Conv2D with relu then a max pool of
   * poolSize windows with strides poolSize and no padding, the convolution's output never written.
   */
  conv2dMaxPool: 'FnnConv2DMaxPool',
  /**
   * {x, y (the pooled output), dy, filter, bias?}, {strides, pad, poolSize, useBias, needsDx,
   * dFilterOut?, dBiasOut?} → [dFilter, dBias?, dx?]: that pair's backward pass.
   */
  conv2dMaxPoolBackward: 'FnnConv2DMaxPoolBackward',
  /** {x}, {rate, seed} → [x · mask, mask], the mask of fillDropoutMask(rate, seed). */
  dropout: 'FnnDropout',
  /** {yTrue, yPred}, {epsilon, gradient} → [mean loss, d/dyPred?]. */
  categoricalCrossentropy: 'FnnCategoricalCrossentropy',
  /** {yTrue, yPred} → mean categorical accuracy. */
  categoricalAccuracy: 'FnnCategoricalAccuracy',
  /** {}, {shape, rate, seed} → the mask of fillDropoutMask(rate, seed) (Dropout with a noiseShape). */
  dropoutMask: 'FnnDropoutMask',
  /** {x, gamma?, beta?}, {epsilon} → [y, mean, variance, invStd]: batch statistics over all axes but the last. */
  batchNormTrain: 'FnnBatchNormTrain',
  /** {dy, x, mean, invStd, gamma?} → [dx, dgamma, dbeta]. */
  batchNormTrainGrad: 'FnnBatchNormTrainGrad',
  /**
   * {}, {params, grads, m, v, lr, beta1, beta2, epsilon, step, epsilonForm} → []: one Adam step
   * over all weights in place. params are Float32Arrays or the weights' variables (updated in
   * their own memory), grads Float32Arrays or tensors.
   */
  adamUpdate: 'FnnAdamUpdate',
  /** {}, {params, grads, velocities | null, lr, momentum, nesterov} → []: one SGD step, as adamUpdate. */
  sgdUpdate: 'FnnSgdUpdate',
  /** {}, {out, parts, weights} → []: out = Σ weights[j]·parts[j] in float64, rounded once (weightedSum). */
  weightedSum: 'FnnWeightedSum',
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
