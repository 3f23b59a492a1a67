import { checkNumber, POSITIVE, UNIT_INTERVAL } from './check-number.js';
import { Optimizer, type ValueStep } from './optimizer.js';
import type { Tensor, Variable } from '../../tf.js';
import { FUSED, runFused } from '../../engine/fused.js';

export interface SGDArgs {
  /** Step size. Default 0.01 (Keras). */
  learningRate?: number;
  /** Velocity decay; 0 (the default) is plain gradient descent. */
  momentum?: number;
  /** Nesterov momentum: step along the updated velocity. Default false. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with Keras's momentum formulation:
 *   v = momentum · v - lr · g;  w += v            (nesterov: w += momentum · v - lr · g)
 * Plain SGD (momentum 0) is `w -= lr · g` and keeps no state.
 */
export class SGD extends Optimizer {
  static override className = 'SGD';
  readonly learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(args: SGDArgs = {}) {
    super();
    this.learningRate = checkNumber(args.learningRate ?? 0.01, 'learningRate', 'SGD', POSITIVE);
    this.momentum = checkNumber(args.momentum ?? 0, 'momentum', 'SGD', UNIT_INTERVAL);
    this.nesterov = args.nesterov ?? false;
  }

  get slotNames(): readonly string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  protected updateValues({ param, grad, slots, from }: ValueStep): void {
    const lr = this.learningRate;
    if (this.momentum === 0) {
      for (let i = from; i < param.length; i++) param[i]! -= lr * grad[i]!;
      return;
    }
    const velocity = slots[0]!;
    const momentum = this.momentum;
    if (this.nesterov) {
      for (let i = from; i < param.length; i++) {
        const step = lr * grad[i]!;
        velocity[i] = momentum * velocity[i]! - step;
        param[i]! += momentum * velocity[i]! - step;
      }
    } else {
      for (let i = from; i < param.length; i++) {
        velocity[i] = momentum * velocity[i]! - lr * grad[i]!;
        param[i]! += velocity[i]!;
      }
    }
  }

  protected override readonly fusedUpdate = FUSED.sgdUpdate;

  protected override updateFused(
    params: (Float32Array | Variable)[],
    grads: (Float32Array | Tensor)[],
    slots: Float32Array[][],
  ): void {
    runFused(
      FUSED.sgdUpdate,
      {},
      {
        params,
        grads,
        velocities: this.momentum > 0 ? slots.map((s) => s[0]!) : null,
        lr: this.learningRate,
        momentum: this.momentum,
        nesterov: this.nesterov,
      },
    );
  }

  getConfig(): Record<string, number | boolean> {
    return { learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov };
  }
}

export function sgd(args?: SGDArgs): SGD {
  return new SGD(args);
}
