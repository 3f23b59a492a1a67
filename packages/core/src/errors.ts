/** A value passed by the user is not what was expected; the message names both. */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** A model or layer was used before it was ready (e.g. `fit` before `compile`). */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/**
 * Formats a received value for error messages: short, unambiguous, never "[object Object]".
 * Bounded whatever it is given (long lists, deep nesting, huge strings from a hostile file).
 */
export function describeValue(value: unknown): string {
  return describe(value, 0);
}

function describe(value: unknown, depth: number): string {
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > 200 ? `${text.slice(0, 196)}..."` : text;
  }
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) {
    if (depth >= 4) return '[...]';
    const shown = value.slice(0, 20).map((item) => describe(item, depth + 1));
    if (value.length > 20) shown.push(`... (${value.length} items)`);
    return `[${shown.join(', ')}]`;
  }
  try {
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return String(value);
  }
}
