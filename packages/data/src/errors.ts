import { describeValue, isIntegerInRange } from '@fnn/common';

/**
 * The one error type of @fnn/data. Messages name the argument or file, the value received and
 * what was expected, so a caller can fix the input without reading our source.
 */
export class DataError extends Error {
  override name = 'DataError';
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!isIntegerInRange(value, min, max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new DataError(`Expected ${name} to be an integer ${range}, but got ${describeValue(value)}.`);
  }
  return value;
}
