/** Whether `value` is an integer number in [min, max] (the check behind every count, size and seed argument). */
export function isIntegerInRange(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
