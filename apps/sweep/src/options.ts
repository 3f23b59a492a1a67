import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, describe } from './errors.js';
import { loadGrid } from './grid.js';
import { MAX_EPOCHS, MAX_RUNS, MAX_SEED } from './limits.js';
import { commandLine } from './invocation.js';
import { DEFAULT_RUN_IDS, DEFAULT_SEED, defaultRuns, type RunConfig } from './run-config.js';
import { addSearchOptions, ashaFrom, ashaStartOrder, searchFrom } from './search/search-options.js';
import type { SearchPlan } from './search/search-plan.js';
import { queueCaOption, queueNameOption, queueOption, withQueueCa } from './queue/queue-options.js';
import type { RedisAddress } from './queue/redis-address.js';
import {
  backendOption,
  concurrencyOption,
  dataDirOption,
  fixedWorkersOption,
  integer,
  oversubscribeOption,
  parseCommandLine,
  workersPerRunOption,
  type Backend,
} from './shared-options.js';
import { addServeOptions, serveFrom, type ServeAddress } from './serve/serve-options.js';
import { checkCombinations } from './option-combinations.js';
import type { RawOptions } from './raw-options.js';

export type { Backend } from './shared-options.js';

/** Everything the command line asked for, checked. */
export interface SweepSettings {
  /** The runs to train (after --only, --grid, --epochs/--quick, --repeats), in plan order. */
  runs: RunConfig[];
  outDir: string;
  resume: boolean;
  backend: Backend;
  /** --backend was given on the command line (on --resume it then overrides the sweep's own backend). */
  backendGiven: boolean;
  dataDir: string | null;
  limitTrain: number | null;
  limitEval: number | null;
  saveModels: boolean;
  concurrency?: number;
  workersPerRun?: number;
  oversubscribe: boolean;
  /** Keep each run on --workers-per-run workers even when other slots run out of runs. */
  fixedWorkers: boolean;
  /** Train with single-thread `model.fit` in this process, one run at a time (the speed baseline). */
  inProcess: boolean;
  dryRun: boolean;
  /** --space/--search/--scheduler: how the runs were chosen and ASHA's settings; null for a plain sweep. */
  search: SearchPlan | null;
  /** --queue: train on `fnn-sweep worker`s through this BullMQ queue instead of on this machine. */
  queue: {
    address: RedisAddress;
    name: string;
    /** --queue-ca's file, for the resume hint. */
    caPath?: string;
  } | null;
  /** --serve/--host: serve the live report page there while the sweep runs. */
  serve: ServeAddress | null;
}

/** This package's version, from its package.json (one folder above src/ and dist/). */
export function sweepVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function idList(value: string): string[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0)
    throw new InvalidArgumentError(`expected a comma-separated list of run ids, but got ${describe(value)}.`);
  return ids;
}

/** The commander program: options, help text and parsers. */
export function createProgram(): Command {
  const program = new Command('fnn-sweep')
    .description("Train the lesson's MNIST experiments (or your --grid) in parallel on every core, then compare them.")
    .version(`fnn-sweep ${sweepVersion()}`, '--version', 'print the version and exit')
    .addOption(
      new Option(
        '--only <ids>',
        `comma-separated run ids to train (default runs: ${DEFAULT_RUN_IDS.join(', ')})`,
      ).argParser(idList),
    )
    .addOption(
      new Option('--epochs <n>', 'train every run for n epochs instead of its own count').argParser(
        integer('--epochs', 1, MAX_EPOCHS),
      ),
    )
    .option('--quick', 'one epoch per run: a smoke test')
    .addOption(
      new Option('--seed <n>', 'seed of the initial weights, shuffling and dropout')
        .argParser(integer('--seed', 0, MAX_SEED))
        .default(DEFAULT_SEED),
    )
    .addOption(
      new Option(
        '--repeats <k>',
        'train each configuration k times with seeds seed, seed+1, ...; the table shows mean ± std',
      )
        .argParser(integer('--repeats', 1, MAX_RUNS))
        .default(1),
    )
    .addOption(backendOption())
    .addOption(dataDirOption('a folder of MNIST-format IDX files (e.g. Fashion-MNIST)'))
    .option('--out <dir>', 'output folder (default: runs/<timestamp>)')
    .option(
      '--grid <file.json>',
      'your own sweep: lists of hidden, units/depth, dropout, batchNorm, activation, optimizer, learningRate, batchSize, epochs, api, conv/pool (Cartesian product)',
    )
    .option('--save-models', 'save each trained model in the tfjs-layers format under <out>/models/<id>')
    .option(
      '--resume <dir>',
      'continue the sweep in <dir>: skip finished runs, continue the others from their last epoch checkpoint',
    )
    .addOption(concurrencyOption('fill the cores'))
    .addOption(workersPerRunOption('cores / concurrency'))
    .addOption(oversubscribeOption())
    .addOption(fixedWorkersOption())
    .addOption(
      new Option('--limit-train <n>', 'train on the first n training images only (smoke tests)').argParser(
        integer('--limit-train', 1),
      ),
    )
    .addOption(
      new Option('--limit-eval <n>', 'validate and test on the first n images only (smoke tests)').argParser(
        integer('--limit-eval', 1),
      ),
    )
    .option('--in-process', 'train one run at a time with single-thread model.fit in this process (the speed baseline)')
    .option('--dry-run', 'print the planned runs, their order and the core split, then exit')
    .addOption(queueOption('train the runs on `fnn-sweep worker` processes (on any machines)'))
    .addOption(queueNameOption())
    .addOption(queueCaOption())
    // The worker command as this one was run (`fnn-sweep` is a package binary, not on the PATH).
    .addHelpText('after', () => {
      const worker = commandLine(['worker']);
      return `\nOn each machine that should train for a --queue sweep:\n  ${worker} --queue <redis-url>\n(${worker} --help: its options)`;
    })
    .allowExcessArguments(false);
  return addServeOptions(addSearchOptions(program));
}

/** Parses argv (without `node cli.js`) and builds the run list; errors name the option and value. */
export function parseSettings(argv: string[], now: Date = new Date()): SweepSettings {
  const program = createProgram();
  parseCommandLine(program, argv);
  return settingsFrom(program.opts<RawOptions>(), program.getOptionValueSource('backend') === 'cli', now);
}

function settingsFrom(o: RawOptions, backendGiven: boolean, now: Date): SweepSettings {
  checkCombinations(o);
  const common = {
    backend: o.backend,
    backendGiven,
    saveModels: o.saveModels ?? false,
    concurrency: o.concurrency,
    workersPerRun: o.workersPerRun,
    oversubscribe: o.oversubscribe ?? false,
    fixedWorkers: o.fixedWorkers ?? false,
    inProcess: o.inProcess ?? false,
    dryRun: o.dryRun ?? false,
    queue: o.queue
      ? {
          address: withQueueCa(o.queue, o.queueCa),
          name: o.queueName,
          ...(o.queueCa ? { caPath: o.queueCa.path } : {}),
        }
      : null,
    serve: serveFrom(o),
  };
  if (o.resume !== undefined) {
    // The runs and data settings come from the folder's sweep.json (read by the caller).
    return {
      ...common,
      runs: [],
      outDir: o.resume,
      resume: true,
      dataDir: null,
      limitTrain: null,
      limitEval: null,
      search: null,
    };
  }
  const seed = o.seed ?? DEFAULT_SEED;
  const searched = searchFrom(o, seed, o.grid !== undefined);
  let runs = searched.runs ?? (o.grid !== undefined ? loadGrid(o.grid, seed) : defaultRuns(seed));
  if (o.only) {
    const known = runs.map((r) => r.id);
    const unknown = o.only.filter((id) => !known.includes(id));
    if (unknown.length > 0) {
      throw new ConfigError(
        `--only: unknown run id${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => describe(u)).join(', ')}; expected some of ${known.join(', ')}.`,
      );
    }
    runs = runs.filter((r) => o.only!.includes(r.id));
  }
  const epochs = o.quick ? 1 : o.epochs;
  if (epochs !== undefined) runs = runs.map((r) => ({ ...r, epochs }));
  const repeats = o.repeats ?? 1;
  // The plan's size is checked from the counts, before k copies of anything are made.
  if (runs.length * repeats > MAX_RUNS) {
    throw new ConfigError(
      `--repeats ${repeats} × ${runs.length} configuration(s) = ${runs.length * repeats} runs; expected at most ${MAX_RUNS}.`,
    );
  }
  if (seed + repeats - 1 > MAX_SEED) {
    throw new ConfigError(
      `--seed ${seed} with --repeats ${repeats} needs seeds up to ${seed + repeats - 1}; expected seed + repeats - 1 ≤ ${MAX_SEED}.`,
    );
  }
  runs = withRepeats(runs, repeats);
  const scheduled = ashaFrom(o, runs);
  runs = scheduled.asha && searched.plan?.strategy !== 'random' ? ashaStartOrder(scheduled.runs, seed) : scheduled.runs;
  const search: SearchPlan | null =
    searched.plan || scheduled.asha
      ? { ...(searched.plan ?? { strategy: 'grid', trials: runs.length, seed }), asha: scheduled.asha }
      : null;
  return {
    search,
    ...common,
    runs,
    outDir: o.out ?? join('runs', timestamp(now)),
    resume: false,
    dataDir: o.dataDir ?? null,
    limitTrain: o.limitTrain ?? null,
    limitEval: o.limitEval ?? null,
  };
}

/** k copies of each configuration with seeds seed, seed+1, ...; ids `<config>-s<seed>` when k > 1. */
export function withRepeats(runs: RunConfig[], repeats: number): RunConfig[] {
  if (repeats === 1) return runs;
  return runs.flatMap((r) =>
    Array.from({ length: repeats }, (_, i) => ({ ...r, id: `${r.configId}-s${r.seed + i}`, seed: r.seed + i })),
  );
}

/** `2026-08-20T14-03-05` (local time, file-name safe, sorts chronologically). */
export function timestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}-${p(date.getMinutes())}-${p(date.getSeconds())}`;
}
