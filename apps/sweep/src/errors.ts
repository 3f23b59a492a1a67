/** A sweep option, grid file or run configuration is not what was expected; the message names the field and value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The sweep was stopped (SIGINT, or an abort signal) before every run finished. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

/** Formats a received value for error messages: short and unambiguous. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return String(value);
  }
}

/** The message of anything thrown, on one line where possible. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
