import { loadAddon } from './addon.js';

/** Keras's Adam (the lesson's optimizer); `step` counts from 1. */
export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  step: number;
  /**
   * Where epsilon goes. 'keras' (default, tf.keras 2): p -= lr_t * m / (sqrt(v) + eps) with
   * lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t). 'pytorch' (also tfjs's AdamOptimizer):
   * p -= lr * m_hat / (sqrt(v_hat) + eps), the same up to where eps is scaled.
   */
  epsilonForm?: 'keras' | 'pytorch';
}

export interface SgdOptions {
  lr: number;
  /** Default 0 (plain SGD, `velocities` may be null). */
  momentum?: number;
  nesterov?: boolean;
}

export interface RmspropOptions {
  lr: number;
  /** Decay of the mean square; Keras's default 0.9. */
  rho: number;
  /** Default 0 (no moments buffer needed). */
  momentum?: number;
  epsilon: number;
}

function checkLists(fn: string, params: Float32Array[], lists: Record<string, Float32Array[] | null>): void {
  for (const [name, list] of Object.entries(lists)) {
    if (list === null) continue;
    if (list.length !== params.length) {
      throw new Error(`${fn}: expected ${params.length} ${name} (one per parameter), but got ${list.length}.`);
    }
    list.forEach((array, i) => {
      if (!(array instanceof Float32Array) || array.length !== params[i]!.length) {
        throw new Error(
          `${fn}: ${name}[${i}] must be a Float32Array of length ${params[i]!.length}, but got ${array instanceof Float32Array ? `length ${array.length}` : typeof array}.`,
        );
      }
    });
  }
}

/**
 * One Adam step over every parameter in a single native call, updating `params`, `m` and `v`
 * in place (Keras: m += (g - m)(1 - b1), v += (g² - v)(1 - b2), then the step above; the order of
 * @fnn/core's JavaScript and wasm updates, so infinite gradients give the same NaN).
 */
export function nativeAdamUpdate(
  params: Float32Array[],
  grads: Float32Array[],
  { m, v }: { m: Float32Array[]; v: Float32Array[] },
  options: AdamOptions,
): void {
  checkLists('nativeAdamUpdate', params, { params, grads, m, v });
  const { lr, beta1, beta2, epsilon, step } = options;
  if (!(step >= 1))
    throw new Error(`nativeAdamUpdate: expected step >= 1 (the update count, from 1), but got ${step}.`);
  const c2 = Math.sqrt(1 - beta2 ** step);
  const lrT = (lr * c2) / (1 - beta1 ** step);
  const eps = options.epsilonForm === 'pytorch' ? epsilon * c2 : epsilon;
  loadAddon().adam(params, grads, m, v, lrT, beta1, beta2, eps);
}

/** SGD (Keras): v = momentum v - lr g; p += v (nesterov: p += momentum v - lr g); no momentum: p -= lr g. */
export function nativeSgdUpdate(
  params: Float32Array[],
  grads: Float32Array[],
  velocities: Float32Array[] | null,
  options: SgdOptions,
): void {
  const momentum = options.momentum ?? 0;
  if (momentum !== 0 && velocities === null)
    throw new Error('nativeSgdUpdate: momentum needs a velocities buffer per parameter.');
  checkLists('nativeSgdUpdate', params, { grads, velocities: momentum === 0 ? null : velocities });
  loadAddon().sgd(params, grads, momentum === 0 ? null : velocities, options.lr, momentum, options.nesterov ?? false);
}

/** RMSprop (Keras): ms = rho ms + (1-rho) g²; step = lr g / (sqrt(ms) + eps); with momentum, mom = momentum mom + step. */
export function nativeRmspropUpdate(
  params: Float32Array[],
  grads: Float32Array[],
  { meanSquares, moments }: { meanSquares: Float32Array[]; moments: Float32Array[] | null },
  options: RmspropOptions,
): void {
  const momentum = options.momentum ?? 0;
  if (momentum !== 0 && moments === null)
    throw new Error('nativeRmspropUpdate: momentum needs a moments buffer per parameter.');
  checkLists('nativeRmspropUpdate', params, { grads, meanSquares, moments: momentum === 0 ? null : moments });
  loadAddon().rmsprop(
    params,
    grads,
    meanSquares,
    momentum === 0 ? null : moments,
    options.lr,
    options.rho,
    momentum,
    options.epsilon,
  );
}
