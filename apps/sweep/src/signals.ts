/** Exit codes for the signals a sweep stops on, as shells report them (128 + signal number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface StopSignals {
  /** The first signal received, or null. */
  readonly received: StopSignal | null;
  dispose(): void;
}

/**
 * Ctrl-C (SIGINT) and a plain `kill`, a batch scheduler or `docker stop` (SIGTERM) stop the
 * sweep the same way: the first calls `onFirst` (stop the runs, write what finished); a second
 * of either quits at once with that signal's exit code.
 */
export function onStopSignals(onFirst: (signal: StopSignal) => void): StopSignals {
  let received: StopSignal | null = null;
  const handlers = (Object.keys(SIGNAL_EXIT_CODES) as StopSignal[]).map((signal) => {
    const handler = () => {
      if (received !== null) process.exit(SIGNAL_EXIT_CODES[signal]);
      received = signal;
      onFirst(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    get received() {
      return received;
    },
    dispose() {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}
