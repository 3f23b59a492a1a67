/** Arrays up to this length are shown element by element; longer ones by their length. */
const MAX_LISTED = 16;

/**
 * A received value as an error message shows it: short, unambiguous, never "[object Object]".
 * Strings are quoted, short arrays listed (`[3, 3, 3]`), binary data named with its length,
 * class instances by their class, plain objects as (truncated) JSON.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (Array.isArray(value)) return describeArray(value);
  if (ArrayBuffer.isView(value)) return describeBinary(value);
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`;
  if (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)
    return `a SharedArrayBuffer of ${value.byteLength} bytes`;
  const className = (value as object).constructor?.name;
  if (className && className !== 'Object') return `a ${className}`;
  return describePlainObject(value);
}

function describeArray(value: unknown[]): string {
  if (value.length > MAX_LISTED) return `an array of length ${value.length}`;
  return `[${value.map(describeValue).join(', ')}]`;
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
