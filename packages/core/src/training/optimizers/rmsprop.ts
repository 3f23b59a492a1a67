import { checkNumber, DECAY_RATE, NON_NEGATIVE, POSITIVE, UNIT_INTERVAL } from './check-number.js';
import { Optimizer, type ValueStep } from './optimizer.js';

export interface RMSpropArgs {
  /** Step size. Default 0.001. */
  learningRate?: number;
  /** Decay of the mean square. Default 0.9. */
  rho?: number;
  /** Momentum on the scaled step; 0 by default. */
  momentum?: number;
  /** Added to the root of the mean square. Default 1e-7. */
  epsilon?: number;
  /** Normalise by the variance (mean square minus squared mean gradient) instead. Default false. */
  centered?: boolean;
}

/**
 * RMSprop as Keras 2 (tf.keras) computes it:
 *   ms = rho · ms + (1 - rho) · g²          (centered: mg = rho · mg + (1 - rho) · g; denominator ms - mg²)
 *   step = lr · g / (sqrt(denominator) + epsilon)
 *   w -= step                               (momentum: mom = momentum · mom + step; w -= mom)
 */
export class RMSprop extends Optimizer {
  static override className = 'RMSprop';
  readonly learningRate: number;
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(args: RMSpropArgs = {}) {
    super();
    this.learningRate = checkNumber(args.learningRate ?? 0.001, 'learningRate', 'RMSprop', POSITIVE);
    this.rho = checkNumber(args.rho ?? 0.9, 'rho', 'RMSprop', DECAY_RATE);
    this.momentum = checkNumber(args.momentum ?? 0, 'momentum', 'RMSprop', UNIT_INTERVAL);
    this.epsilon = checkNumber(args.epsilon ?? 1e-7, 'epsilon', 'RMSprop', NON_NEGATIVE);
    this.centered = args.centered ?? false;
  }

  get slotNames(): readonly string[] {
    return ['rms', ...(this.momentum > 0 ? ['momentum'] : []), ...(this.centered ? ['mg'] : [])];
  }

  protected updateValues({ param, grad, slots, from }: ValueStep): void {
    const ms = slots[0]!;
    const mom = this.momentum > 0 ? slots[1]! : undefined;
    const mg = this.centered ? slots[slots.length - 1]! : undefined;
    const { rho, learningRate: lr, epsilon, momentum } = this;
    for (let i = from; i < param.length; i++) {
      const g = grad[i]!;
      ms[i] = rho * ms[i]! + (1 - rho) * g * g;
      let denominator = ms[i]!;
      if (mg) {
        mg[i] = rho * mg[i]! + (1 - rho) * g;
        denominator -= mg[i]! * mg[i]!;
      }
      const step = (lr * g) / (Math.sqrt(Math.max(denominator, 0)) + epsilon);
      if (mom) {
        mom[i] = momentum * mom[i]! + step;
        param[i]! -= mom[i]!;
      } else {
        param[i]! -= step;
      }
    }
  }

  getConfig(): Record<string, number | boolean> {
    return {
      learningRate: this.learningRate,
      rho: this.rho,
      momentum: this.momentum,
      epsilon: this.epsilon,
      centered: this.centered,
    };
  }
}

export function rmsprop(args?: RMSpropArgs): RMSprop {
  return new RMSprop(args);
}
