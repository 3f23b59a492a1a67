import { checkNumber, DECAY_RATE, NON_NEGATIVE, POSITIVE } from './check-number.js';
import { Optimizer, type HeapPointers, type ValueStep } from './optimizer.js';
import type { HeapKernels } from './heap-kernels.js';
import type { Tensor, Variable } from '../../tf.js';
import { FUSED, runFused } from '../../engine/fused.js';

export interface AdamArgs {
  /** Step size. Default 0.001. */
  learningRate?: number;
  /** Decay of the first-moment estimate. Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate. Default 0.999. */
  beta2?: number;
  /** Added to the root of the second moment. Default 1e-7 (Keras). */
  epsilon?: number;
}

/**
 * Adam as Keras (and TensorFlow's ApplyAdam kernel) computes it: the bias correction folds into
 * the step size and epsilon is added to sqrt(v) uncorrected:
 *   m += (g - m)(1 - beta1);  v += (g² - v)(1 - beta2)
 *   w -= lr · sqrt(1 - beta2^t) / (1 - beta1^t) · m / (sqrt(v) + epsilon)
 * (tfjs adds epsilon to sqrt(v / (1 - beta2^t)) instead: the same with epsilon scaled by
 * 1/sqrt(1 - beta2^t); the two differ only for gradients near epsilon.)
 */
export class Adam extends Optimizer {
  static override className = 'Adam';
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(args: AdamArgs = {}) {
    super();
    this.learningRate = checkNumber(args.learningRate ?? 0.001, 'learningRate', 'Adam', POSITIVE);
    this.beta1 = checkNumber(args.beta1 ?? 0.9, 'beta1', 'Adam', DECAY_RATE);
    this.beta2 = checkNumber(args.beta2 ?? 0.999, 'beta2', 'Adam', DECAY_RATE);
    this.epsilon = checkNumber(args.epsilon ?? 1e-7, 'epsilon', 'Adam', NON_NEGATIVE);
  }

  get slotNames(): readonly string[] {
    return ['m', 'v'];
  }

  protected override coefficients(t: number): Record<string, number> {
    return { alpha: (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t) };
  }

  protected updateValues({ param, grad, slots, c, from }: ValueStep): void {
    // Every operation rounded to float32 (Math.fround), in the order of the SIMD kernel, so
    // both paths give the same bits.
    const f = Math.fround;
    const m = slots[0]!;
    const v = slots[1]!;
    const alpha = f(c.alpha!);
    const oneMinusBeta1 = f(1 - this.beta1);
    const oneMinusBeta2 = f(1 - this.beta2);
    const epsilon = f(this.epsilon);
    for (let i = from; i < param.length; i++) {
      const g = grad[i]!;
      const mi = f(m[i]! + f(f(g - m[i]!) * oneMinusBeta1));
      const vi = f(v[i]! + f(f(f(g * g) - v[i]!) * oneMinusBeta2));
      m[i] = mi;
      v[i] = vi;
      param[i] = f(param[i]! - f(f(mi * alpha) / f(f(Math.sqrt(vi)) + epsilon)));
    }
  }

  protected override updateOnHeap(
    kernels: HeapKernels,
    pointers: HeapPointers,
    count: number,
    c: Record<string, number>,
  ): void {
    const [m, v] = pointers.slots as [number, number];
    kernels.adam(
      pointers.out,
      pointers.param,
      pointers.grad,
      m,
      v,
      count,
      c.alpha!,
      1 - this.beta1,
      1 - this.beta2,
      this.epsilon,
    );
  }

  protected override readonly fusedUpdate = FUSED.adamUpdate;

  protected override updateFused(
    params: (Float32Array | Variable)[],
    grads: (Float32Array | Tensor)[],
    slots: Float32Array[][],
    iteration: number,
  ): void {
    runFused(
      FUSED.adamUpdate,
      {},
      {
        params,
        grads,
        m: slots.map((s) => s[0]!),
        v: slots.map((s) => s[1]!),
        lr: this.learningRate,
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
        step: iteration,
        epsilonForm: 'keras',
      },
    );
  }

  getConfig(): Record<string, number> {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

export function adam(args?: AdamArgs): Adam {
  return new Adam(args);
}
