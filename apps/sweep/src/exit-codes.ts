import { errorMessage } from './errors.js';
import { SIGNAL_EXIT_CODES } from './signals.js';

/**
 * Exit codes: 0 all runs finished, 1 some run failed, 2 bad options, 130 interrupted (Ctrl-C)
 * and 143 terminated (SIGTERM), as shells report those signals.
 */
export const EXIT = {
  ok: 0,
  failedRuns: 1,
  usage: 2,
  interrupted: SIGNAL_EXIT_CODES.SIGINT,
  terminated: SIGNAL_EXIT_CODES.SIGTERM,
} as const;

/** Refuses the invocation: the message on stderr, exit code 2. */
export function usageError(error: unknown): number {
  process.stderr.write(`fnn-sweep: ${errorMessage(error)}\n`);
  return EXIT.usage;
}
