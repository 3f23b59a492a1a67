export { describeValue as describe } from '@fnn/common';

/** A sweep option, grid file or run configuration is not what was expected; the message names the field and value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The sweep was stopped (SIGINT, or an abort signal) before every run finished. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

/** The message of anything thrown, on one line where possible. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
