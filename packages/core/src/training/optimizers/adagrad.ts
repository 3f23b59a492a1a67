import { checkNumber, NON_NEGATIVE, POSITIVE } from './check-number.js';
import { Optimizer, type ValueStep } from './optimizer.js';

export interface AdagradArgs {
  /** Step size. Default 0.001 (Keras 2). */
  learningRate?: number;
  /** Starting value of the squared-gradient accumulator. Default 0.1. */
  initialAccumulatorValue?: number;
  /** Added to the root of the accumulator. Default 1e-7. */
  epsilon?: number;
}

/** Adagrad as Keras 2: `acc += g²;  w -= lr · g / (sqrt(acc) + epsilon)`. */
export class Adagrad extends Optimizer {
  static override className = 'Adagrad';
  readonly learningRate: number;
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(args: AdagradArgs = {}) {
    super();
    this.learningRate = checkNumber(args.learningRate ?? 0.001, 'learningRate', 'Adagrad', POSITIVE);
    this.initialAccumulatorValue = checkNumber(
      args.initialAccumulatorValue ?? 0.1,
      'initialAccumulatorValue',
      'Adagrad',
      NON_NEGATIVE,
    );
    this.epsilon = checkNumber(args.epsilon ?? 1e-7, 'epsilon', 'Adagrad', NON_NEGATIVE);
  }

  get slotNames(): readonly string[] {
    return ['accumulator'];
  }

  override initialSlotValue(): number {
    return this.initialAccumulatorValue;
  }

  protected updateValues({ param, grad, slots, from }: ValueStep): void {
    const acc = slots[0]!;
    const { learningRate: lr, epsilon } = this;
    for (let i = from; i < param.length; i++) {
      const g = grad[i]!;
      acc[i]! += g * g;
      param[i]! -= (lr * g) / (Math.sqrt(acc[i]!) + epsilon);
    }
  }

  getConfig(): Record<string, number> {
    return {
      learningRate: this.learningRate,
      initialAccumulatorValue: this.initialAccumulatorValue,
      epsilon: this.epsilon,
    };
  }
}

export function adagrad(args?: AdagradArgs): Adagrad {
  return new Adagrad(args);
}
