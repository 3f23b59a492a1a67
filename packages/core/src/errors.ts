/** A value passed by the user is not what was expected; the message names both. */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** A model or layer was used before it was ready (e.g. `fit` before `compile`). */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/** Formats a received value for error messages: short, unambiguous, never "[object Object]". */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  try {
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return String(value);
  }
}
