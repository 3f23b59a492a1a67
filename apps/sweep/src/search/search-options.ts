import { permutation } from '@fnn/data';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ConfigError, describe } from '../errors.js';
import { MAX_GRID_RUNS } from '../grid.js';
import { MAX_EPOCHS } from '../limits.js';
import type { RunConfig } from '../run-config.js';
import { ASHA_METRICS, checkAshaSettings, type AshaMetric, type AshaMode, type AshaSettings } from './asha.js';
import { sampleTrials } from './sample.js';
import type { SearchPlan } from './search-plan.js';
import { loadSpace, spaceToGrid } from './space.js';

/** The command-line options of a search, as commander parses them (no defaults: unset is undefined). */
export interface SearchOptions {
  space?: string;
  search?: 'grid' | 'random';
  trials?: number;
  scheduler?: 'none' | 'asha';
  maxEpochs?: number;
  gracePeriod?: number;
  reductionFactor?: number;
  metric?: AshaMetric;
  mode?: AshaMode;
}

/** Option names, for messages about options that cannot be combined. */
export const SEARCH_FLAGS: Record<keyof SearchOptions, string> = {
  space: '--space',
  search: '--search',
  trials: '--trials',
  scheduler: '--scheduler',
  maxEpochs: '--max-epochs',
  gracePeriod: '--grace-period',
  reductionFactor: '--reduction-factor',
  metric: '--metric',
  mode: '--mode',
};

const ASHA_ONLY = ['maxEpochs', 'gracePeriod', 'reductionFactor', 'metric', 'mode'] as const;

function positiveInteger(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
      throw new InvalidArgumentError(`expected ${flag} to be an integer ${range}, but got ${describe(value)}.`);
    }
    return n;
  };
}

export function addSearchOptions(program: Command): Command {
  return program
    .option(
      '--space <file.json>',
      'a search space: per field a value, a list, or {"uniform"|"loguniform"|"int": [low, high]} or {"choice": [...]}',
    )
    .addOption(
      new Option(
        '--search <kind>',
        "grid: every combination of the space's lists; random: --trials draws from it (default grid)",
      ).choices(['grid', 'random']),
    )
    .addOption(
      new Option('--trials <n>', 'configurations --search random draws (seeded by --seed)').argParser(
        positiveInteger('--trials', 1),
      ),
    )
    .addOption(
      new Option(
        '--scheduler <name>',
        'asha: stop bad runs early by asynchronous successive halving (default none)',
      ).choices(['none', 'asha']),
    )
    .addOption(
      new Option(
        '--max-epochs <R>',
        "ASHA: epochs of a run that is never stopped (default: the runs' epochs)",
      ).argParser(positiveInteger('--max-epochs', 1, MAX_EPOCHS)),
    )
    .addOption(
      new Option('--grace-period <r>', 'ASHA: epochs before the first rung (default 1)').argParser(
        positiveInteger('--grace-period', 1),
      ),
    )
    .addOption(
      new Option(
        '--reduction-factor <η>',
        'ASHA: rungs at r·η^k epochs, 1/η of the runs go on at each (default 3)',
      ).argParser(positiveInteger('--reduction-factor', 2)),
    )
    .addOption(
      new Option('--metric <name>', 'ASHA: the metric ranked at rungs (default val_accuracy)').choices(ASHA_METRICS),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'ASHA: max or min of --metric is better (default: max for accuracy, min for loss)',
      ).choices(['max', 'min']),
    );
}

/**
 * The runs of a search and its plan, or null when no search option was given (the default
 * sweep or --grid decide the runs). `base` are the runs --grid or the defaults would train.
 */
export function searchFrom(
  o: SearchOptions,
  seed: number,
  usesGrid: boolean,
): { runs: RunConfig[] | null; plan: Omit<SearchPlan, 'asha'> | null } {
  if (o.space !== undefined && usesGrid) throw new ConfigError('--space and --grid both list the runs; pass one.');
  if (o.search !== undefined && o.space === undefined)
    throw new ConfigError(`--search ${o.search} draws from a space; pass --space <file.json> too.`);
  if (o.trials !== undefined && o.search !== 'random')
    throw new ConfigError(`--trials ${o.trials} is the number of random draws; it goes with --search random.`);
  if (o.search === 'random' && o.trials === undefined)
    throw new ConfigError('--search random: expected --trials <n>, the number of configurations to draw.');
  if (o.trials !== undefined && o.trials > MAX_GRID_RUNS)
    throw new ConfigError(`--trials: expected at most ${MAX_GRID_RUNS}, but got ${o.trials}.`);
  if (o.space === undefined) return { runs: null, plan: null };
  const space = loadSpace(o.space);
  if (o.search === 'random') {
    return { runs: sampleTrials(space, o.trials!, seed, seed), plan: { strategy: 'random', trials: o.trials!, seed } };
  }
  let runs: RunConfig[];
  try {
    runs = spaceToGrid(space, seed);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`--space ${o.space}: ${error.message}`);
    throw error;
  }
  return { runs, plan: { strategy: 'grid', trials: runs.length, seed } };
}

/**
 * ASHA's settings from the options (null without --scheduler asha), and the runs with their
 * epochs set to R: ASHA decides how far each goes.
 */
export function ashaFrom(o: SearchOptions, runs: RunConfig[]): { runs: RunConfig[]; asha: AshaSettings | null } {
  if (o.scheduler !== 'asha') {
    const stray = ASHA_ONLY.filter((k) => o[k] !== undefined);
    if (stray.length > 0) {
      throw new ConfigError(
        `${stray.map((k) => SEARCH_FLAGS[k]).join(', ')} ${stray.length > 1 ? 'are' : 'is'} ASHA's; pass --scheduler asha too.`,
      );
    }
    return { runs, asha: null };
  }
  let maxEpochs = o.maxEpochs;
  if (maxEpochs === undefined) {
    const epochs = [...new Set(runs.map((r) => r.epochs))];
    if (epochs.length !== 1) {
      throw new ConfigError(
        `--scheduler asha: the runs have different epochs (${epochs.join(', ')}); expected --max-epochs <R> to give them all R.`,
      );
    }
    maxEpochs = epochs[0]!;
  }
  const metric = o.metric ?? 'val_accuracy';
  const asha: AshaSettings = {
    maxEpochs,
    gracePeriod: o.gracePeriod ?? 1,
    reductionFactor: o.reductionFactor ?? 3,
    metric,
    mode: o.mode ?? (metric === 'val_loss' ? 'min' : 'max'),
  };
  checkAshaSettings(asha);
  return { runs: runs.map((r) => ({ ...r, epochs: maxEpochs })), asha };
}

/**
 * The order a grid's runs start in under ASHA: shuffled with the seed. ASHA promotes from the
 * results a rung has so far, and a rung's promotions are limited to ⌊n/η⌋, so in a grid's
 * systematic order (narrow models first, wide ones last) the early promotions would go to the
 * best of the narrow models; random search draws its trials in random order already.
 */
export function ashaStartOrder(runs: RunConfig[], seed: number): RunConfig[] {
  return Array.from(permutation(runs.length, seed), (i) => runs[i]!);
}
