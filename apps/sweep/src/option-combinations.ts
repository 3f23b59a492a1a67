import { ConfigError } from './errors.js';
import type { RawOptions } from './raw-options.js';
import { SEARCH_FLAGS, type SearchOptions } from './search/search-options.js';

const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Refuses options that each make sense alone but not together, naming them. */
export function checkCombinations(o: RawOptions): void {
  if (o.quick && o.epochs !== undefined)
    throw new ConfigError(`--quick (1 epoch) and --epochs ${o.epochs} contradict each other; pass one.`);
  if (o.resume !== undefined) {
    const conflicting = (
      ['only', 'epochs', 'quick', 'grid', 'out', 'dataDir', 'limitTrain', 'limitEval'] as const
    ).filter((k) => o[k] !== undefined);
    const searchFlags = (Object.keys(SEARCH_FLAGS) as (keyof SearchOptions)[]).filter((k) => o[k] !== undefined);
    if (conflicting.length > 0 || o.repeats !== 1 || searchFlags.length > 0) {
      const names = [
        ...searchFlags.map((k) => SEARCH_FLAGS[k]),
        ...conflicting.map(flag),
        ...(o.repeats !== 1 ? ['--repeats'] : []),
      ];
      throw new ConfigError(
        `--resume ${o.resume} reuses that sweep's runs and data; it cannot be combined with ${names.join(', ')}.`,
      );
    }
  }
  if (o.queueCa && !o.queue) throw new ConfigError(`--queue-ca ${o.queueCa.path}: expected it with --queue rediss://…`);
  if (o.queue) {
    const local = (
      ['inProcess', 'concurrency', 'workersPerRun', 'oversubscribe', 'fixedWorkers', 'saveModels'] as const
    ).filter((k) => o[k] !== undefined);
    if (local.length > 0) {
      throw new ConfigError(
        `--queue ${o.queue.display}: the workers train, so ${local.map(flag).join(', ')} belong on each \`fnn-sweep worker\` (--save-models is not available with --queue).`,
      );
    }
  }
  if (o.inProcess && ((o.concurrency ?? 1) > 1 || (o.workersPerRun ?? 1) > 1)) {
    throw new ConfigError(
      '--in-process trains one run at a time on one thread; it cannot be combined with --concurrency or --workers-per-run above 1.',
    );
  }
}
