import { ValueError, describeValue } from '../../errors.js';

/** The numbers an optimizer argument accepts: [min, max], either end open when stated. */
export interface NumberRange {
  min: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

/** (0, inf): learning rates. */
export const POSITIVE: NumberRange = { min: 0, minExclusive: true };
/** [0, inf): epsilons and accumulator starts. */
export const NON_NEGATIVE: NumberRange = { min: 0 };
/** [0, 1]: momentum. */
export const UNIT_INTERVAL: NumberRange = { min: 0, max: 1 };
/** [0, 1): decay rates (Adam's betas, RMSprop's rho), where 1 would never forget. */
export const DECAY_RATE: NumberRange = { min: 0, max: 1, maxExclusive: true };

/** Throws unless `value` is a finite number within `range`, naming `owner`'s `argument`. */
export function checkNumber(value: unknown, argument: string, owner: string, range: NumberRange): number {
  const { min, max = Infinity, minExclusive = false, maxExclusive = false } = range;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (minExclusive ? value > min : value >= min) &&
    (maxExclusive ? value < max : value <= max);
  if (!ok) {
    const interval = `${minExclusive ? '(' : '['}${min}, ${max === Infinity ? 'inf' : max}${maxExclusive || max === Infinity ? ')' : ']'}`;
    throw new ValueError(
      `${owner}: expected ${argument} to be a number in ${interval}, but got ${describeValue(value)}.`,
    );
  }
  return value;
}
