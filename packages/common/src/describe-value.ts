/** Bounds that keep a message short whatever it is given (a hostile file's huge or deep lists). */
const MAX_ITEMS = 20;
const MAX_DEPTH = 4;
const MAX_STRING = 200;

/**
 * A received value as an error message shows it: short, unambiguous, never "[object Object]".
 * Strings are quoted, arrays listed (`[3, 3, 3]`, at most 20 items and 4 levels deep), binary
 * data named with its length, class instances by their class, plain objects as (truncated) JSON.
 */
export function describeValue(value: unknown): string {
  return describe(value, 0);
}

function describe(value: unknown, depth: number): string {
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > MAX_STRING ? `${text.slice(0, MAX_STRING - 4)}..."` : text;
  }
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (Array.isArray(value)) return describeArray(value, depth);
  if (ArrayBuffer.isView(value)) return describeBinary(value);
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`;
  if (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)
    return `a SharedArrayBuffer of ${value.byteLength} bytes`;
  const className = (value as object).constructor?.name;
  if (className && className !== 'Object') return `a ${className}`;
  return describePlainObject(value);
}

function describeArray(value: unknown[], depth: number): string {
  if (depth >= MAX_DEPTH) return '[...]';
  const shown = value.slice(0, MAX_ITEMS).map((item) => describe(item, depth + 1));
  if (value.length > MAX_ITEMS) shown.push(`... (${value.length} items)`);
  return `[${shown.join(', ')}]`;
}

function describeBinary(value: ArrayBufferView): string {
  const length = (value as unknown as { length?: number }).length;
  const name = value.constructor.name;
  return length === undefined ? `a ${name} of ${value.byteLength} bytes` : `a ${name} of length ${length}`;
}

function describePlainObject(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return 'an object';
  }
}
