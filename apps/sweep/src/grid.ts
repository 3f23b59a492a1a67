import { readBoundedJson } from './bounded-read.js';
import {
  type ConvLayer,
  type ConvSpec,
  DEFAULT_POOL,
  checkConv,
  checkConvRun,
  checkPool,
  convLabel,
  hasConv,
  isConvArchitecture,
} from './conv-net.js';
import { ConfigError, describe, errorMessage } from './errors.js';
import { MAX_BATCH_SIZE, MAX_EPOCHS, MAX_GRID_FILE_BYTES, MAX_HIDDEN_LAYERS, MAX_RUNS, MAX_UNITS } from './limits.js';
import {
  APIS,
  DEFAULT_LEARNING_RATE,
  HIDDEN_ACTIVATIONS,
  OPTIMIZERS,
  checkDropout,
  checkHidden,
  checkOneOf,
  checkParams,
  checkPositiveInteger,
  checkPositiveNumber,
  type RunConfig,
} from './run-config.js';

/**
 * A user's sweep: each field is a list of values (or one value); the runs are the Cartesian
 * product. Hidden layers are given either as `hidden` (a list of layer-size lists) or as
 * `units` × `depth` (every hidden layer `units` wide, `depth` of them).
 */
export interface GridSpec {
  hidden?: number[][];
  units?: number[];
  depth?: number[];
  dropout?: number[];
  batchNorm?: boolean[];
  activation?: string[];
  optimizer?: string[];
  learningRate?: number[];
  batchSize?: number[];
  epochs?: number[];
  api?: string[];
  /** Conv architectures: one `[[32, 3], [64, 3]]` or a list of them ([] for none). */
  conv?: number[][][];
  pool?: number[];
}

export const GRID_FIELDS = [
  'hidden',
  'units',
  'depth',
  'dropout',
  'batchNorm',
  'activation',
  'optimizer',
  'learningRate',
  'batchSize',
  'epochs',
  'api',
  // Last, so that adding them left the search's per-field random streams (indexed by field) as they were.
  'conv',
  'pool',
] as const;

/** Grids are checked against MNIST's 28×28 images; a run is checked again on its data when it is built. */
const MNIST_INPUT_SIZE = 784;

/** Grids larger than this are almost certainly a mistake (a misplaced list). */
export const MAX_GRID_RUNS = MAX_RUNS;

/** Values a field takes when the grid does not list it: the lesson's `wide` run. */
const DEFAULTS = {
  hidden: [[250]] as number[][],
  dropout: [0],
  batchNorm: [false],
  activation: ['relu'],
  optimizer: ['adam'],
  batchSize: [128],
  epochs: [5],
  api: ['sequential'],
};

/** Reads and expands a grid file; errors name the file, the field and the value. */
export function loadGrid(path: string, seed: number): RunConfig[] {
  let spec: unknown;
  try {
    spec = readBoundedJson(path, MAX_GRID_FILE_BYTES);
  } catch (error) {
    throw new ConfigError(`--grid ${path}: ${errorMessage(error)}.`);
  }
  try {
    return expandGrid(spec, seed);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`--grid ${path}: ${error.message}`);
    throw error;
  }
}

/** A grid field's values: a list, or one value as a list of one (a hidden list of numbers and one conv architecture are one value). */
export function fieldOptions(name: string, value: unknown): unknown[] {
  const single =
    !Array.isArray(value) ||
    (name === 'hidden' && value.every((v) => typeof v === 'number')) ||
    (name === 'conv' && isConvArchitecture(value));
  return single ? [value] : value;
}

/**
 * Validates every value of every field and the size of the product, then returns one RunConfig
 * per combination: nothing is built before the run count and each model's size are known.
 */
export function expandGrid(spec: unknown, seed: number): RunConfig[] {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new ConfigError(
      `expected a JSON object with lists for ${GRID_FIELDS.join(', ')}, but got ${describe(spec)}.`,
    );
  }
  const raw = spec as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(GRID_FIELDS as readonly string[]).includes(key)) {
      throw new ConfigError(`unknown field ${describe(key)}; expected some of ${GRID_FIELDS.join(', ')}.`);
    }
  }
  const list = (name: string): unknown[] | undefined => {
    if (raw[name] === undefined) return undefined;
    const items = fieldOptions(name, raw[name]);
    if (items.length === 0) throw new ConfigError(`${name}: expected at least one value, but got an empty list.`);
    return items;
  };
  const each = (name: string, fallback: readonly unknown[], check: (v: unknown, field: string) => void): unknown[] => {
    const items = list(name) ?? [...fallback];
    for (const [i, v] of items.entries()) check(v, `${name}[${i}]`);
    return items;
  };

  const architectures = convArchitectures(raw, list);
  const hiddenOptions = hiddenLayers(raw, list);
  const learningRate = each('learningRate', [], checkPositiveNumber);
  // In run order after the architecture: the last field varies fastest.
  const rest = [
    each('dropout', DEFAULTS.dropout, checkDropout),
    each('batchNorm', DEFAULTS.batchNorm, (v, f) => checkOneOf(v, [true, false], f)),
    each('activation', DEFAULTS.activation, (v, f) => checkOneOf(v, HIDDEN_ACTIVATIONS, f)),
    each('optimizer', DEFAULTS.optimizer, (v, f) => checkOneOf(v, OPTIMIZERS, f)),
    // null: the optimizer's Keras default.
    learningRate.length > 0 ? learningRate : [null],
    each('batchSize', DEFAULTS.batchSize, (v, f) => checkPositiveInteger(v, f, MAX_BATCH_SIZE)),
    each('epochs', DEFAULTS.epochs, (v, f) => checkPositiveInteger(v, f, MAX_EPOCHS)),
    each('api', DEFAULTS.api, (v, f) => checkOneOf(v, APIS, f)),
  ];

  const total = rest.reduce((n, values) => n * values.length, architectures.count * hiddenOptions.count);
  if (total > MAX_GRID_RUNS) {
    throw new ConfigError(
      `the grid expands to ${total} runs; expected at most ${MAX_GRID_RUNS} (check for a misplaced list).`,
    );
  }

  const runs = cartesian([architectures.build(), hiddenOptions.build(), ...rest]).map((values): RunConfig => {
    const [arch, hidden, dropout, batchNorm, activation, optimizer, lr, batchSize, epochs, api] = values as [
      ConvSpec,
      number[],
      number,
      boolean,
      RunConfig['activation'],
      RunConfig['optimizer'],
      number | null,
      number,
      number,
      RunConfig['api'],
    ];
    const learningRate = lr ?? DEFAULT_LEARNING_RATE[optimizer];
    const base = { id: '', configId: '', hidden, dropout, batchNorm, activation, optimizer, learningRate };
    return { ...base, batchSize, epochs, api, seed, ...arch };
  });
  // Depth ≤ MAX_HIDDEN_LAYERS and the run cap bound what was built; each model's size is checked now.
  for (const run of runs) {
    checkConvRun(run, MNIST_INPUT_SIZE, 'a run of the grid');
    checkParams(run, 'a run of the grid');
  }
  nameRuns(runs);
  return runs;
}

/** Every combination of one value from each list, the first list varying slowest. */
function cartesian(lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((combos, values) => combos.flatMap((c) => values.map((v) => [...c, v])), [[]]);
}

/**
 * The grid's conv architectures, checked: `conv` options (an empty one is a dense net) × `pool`
 * options, counted before they are built. Dense-only grids have one architecture with neither.
 */
function convArchitectures(
  raw: Record<string, unknown>,
  list: (name: string) => unknown[] | undefined,
): { count: number; build: () => ConvSpec[] } {
  const conv = list('conv');
  const pool = list('pool');
  if (conv === undefined) {
    if (pool !== undefined) {
      throw new ConfigError(
        `pool: pooling follows conv layers, but the grid has no "conv" (got pool ${describe(raw.pool)}); add "conv" or remove "pool".`,
      );
    }
    return { count: 1, build: () => [{}] };
  }
  const pools = pool ?? [DEFAULT_POOL];
  for (const [i, c] of conv.entries()) checkConv(c, `conv[${i}]`);
  for (const [i, p] of pools.entries()) checkPool(p, `pool[${i}]`);
  const layerLists = conv as ConvLayer[][];
  const dense = layerLists.filter((layers) => layers.length === 0).length;
  return {
    count: dense + (layerLists.length - dense) * pools.length,
    build: () =>
      layerLists.flatMap((layers) =>
        layers.length === 0 ? [{}] : (pools as number[]).map((p) => ({ conv: layers, pool: p })),
      ),
  };
}

/**
 * The grid's hidden-layer options, checked: how many there are, and a way to build them once the
 * grid's run count has been checked (units × depth lists would otherwise be built first).
 */
function hiddenLayers(
  raw: Record<string, unknown>,
  list: (name: string) => unknown[] | undefined,
): { count: number; build: () => number[][] } {
  const ready = (options: number[][]) => ({ count: options.length, build: () => options });
  const hidden = list('hidden');
  const units = list('units');
  const depth = list('depth');
  if (hidden !== undefined && (units !== undefined || depth !== undefined)) {
    throw new ConfigError(
      `give hidden layers either as "hidden" or as "units" and "depth", not both (got hidden ${describe(raw.hidden)} and ${units ? `units ${describe(raw.units)}` : `depth ${describe(raw.depth)}`}).`,
    );
  }
  if (hidden !== undefined) {
    hidden.forEach((h, i) => {
      checkHidden(h, `hidden[${i}]`);
    });
    return ready(hidden as number[][]);
  }
  if (units === undefined && depth === undefined) return ready(DEFAULTS.hidden);
  if (units === undefined || depth === undefined) {
    throw new ConfigError(
      `"units" and "depth" go together, but got only ${units ? `units ${describe(raw.units)}` : `depth ${describe(raw.depth)}`}.`,
    );
  }
  units.forEach((u, i) => {
    checkPositiveInteger(u, `units[${i}]`, MAX_UNITS);
  });
  depth.forEach((d, i) => {
    checkPositiveInteger(d, `depth[${i}]`, MAX_HIDDEN_LAYERS);
  });
  return {
    count: units.length * depth.length,
    build: () => (units as number[]).flatMap((u) => (depth as number[]).map((d) => Array<number>(d).fill(u))),
  };
}

/** Ids from the fields that vary across the grid, e.g. `h500-250x4_do0.2_lr0.01`. */
function nameRuns(runs: RunConfig[]): void {
  const label: Record<string, (r: RunConfig) => string> = {
    conv: (r) => convLabel(r),
    pool: (r) => (hasConv(r) ? `p${r.pool}` : ''),
    hidden: (r) => compactHidden(r.hidden),
    dropout: (r) => `do${r.dropout}`,
    batchNorm: (r) => (r.batchNorm ? 'bn' : 'nobn'),
    activation: (r) => r.activation,
    optimizer: (r) => r.optimizer,
    learningRate: (r) => `lr${r.learningRate}`,
    batchSize: (r) => `b${r.batchSize}`,
    epochs: (r) => `e${r.epochs}`,
    api: (r) => (r.api === 'functional' ? 'fn' : 'seq'),
  };
  const varying = Object.keys(label).filter((k) => new Set(runs.map((r) => label[k]!(r))).size > 1);
  for (const r of runs) {
    const parts = varying.map((k) => label[k]!(r)).filter((part) => part !== '');
    r.id = parts.length === 0 ? 'grid' : parts.join('_');
    r.configId = r.id;
  }
}

function compactHidden(hidden: number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < hidden.length) {
    let j = i;
    while (j < hidden.length && hidden[j] === hidden[i]) j++;
    parts.push(j - i > 1 ? `${hidden[i]}x${j - i}` : String(hidden[i]));
    i = j;
  }
  return parts.length === 0 ? 'hnone' : `h${parts.join('-')}`;
}
