import { checkConv, checkConvRun, checkPool, describeConv, hasConv } from './conv-net.js';
import { ConfigError, describe } from './errors.js';
import { MAX_BATCH_SIZE, MAX_EPOCHS, MAX_HIDDEN_LAYERS, MAX_PARAMS, MAX_SEED, MAX_UNITS } from './limits.js';
import { APIS, HIDDEN_ACTIVATIONS, OPTIMIZERS, type OptimizerName, type RunConfig } from './run-config-type.js';
import { countParams } from './schedule.js';

export {
  APIS,
  HIDDEN_ACTIVATIONS,
  OPTIMIZERS,
  type HiddenActivation,
  type ModelApi,
  type OptimizerName,
  type RunConfig,
} from './run-config-type.js';

/** Keras's default learning rates, used when a grid or default run does not give one. */
export const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = {
  adam: 0.001,
  sgd: 0.01,
  rmsprop: 0.001,
  adagrad: 0.001,
};

export const DEFAULT_SEED = 1;

type LessonRun = Pick<RunConfig, 'id' | 'hidden' | 'dropout' | 'batchNorm' | 'epochs' | 'api'>;

/** The lesson's MNIST experiments (../shared/lesson.md, part 1 and part 2.1). */
const LESSON_RUNS: LessonRun[] = [
  { id: 'wide', hidden: [250], dropout: 0, batchNorm: false, epochs: 5, api: 'sequential' },
  { id: 'deep', hidden: [50, 50, 50, 50, 50], dropout: 0, batchNorm: false, epochs: 5, api: 'sequential' },
  { id: 'deep-dropout', hidden: [50, 50, 50, 50, 50], dropout: 0.2, batchNorm: false, epochs: 5, api: 'sequential' },
  {
    id: 'deep-dropout-50',
    hidden: [50, 50, 50, 50, 50],
    dropout: 0.2,
    batchNorm: false,
    epochs: 50,
    api: 'sequential',
  },
  { id: 'wide-deep', hidden: [500, 250, 250, 250, 250], dropout: 0.2, batchNorm: false, epochs: 25, api: 'sequential' },
  {
    id: 'wide-deep-bn',
    hidden: [500, 250, 250, 250, 250],
    dropout: 0.2,
    batchNorm: true,
    epochs: 25,
    api: 'sequential',
  },
  { id: 'functional-wide', hidden: [250], dropout: 0, batchNorm: false, epochs: 5, api: 'functional' },
];

export const DEFAULT_RUN_IDS: readonly string[] = LESSON_RUNS.map((r) => r.id);

/**
 * Final validation accuracy a faithful Keras-style implementation reaches on each default run
 * (lesson.md; single runs vary by a few tenths of a point). deep-dropout-50's "≈ 97 %" is
 * read as 96.5–97.5 %.
 */
export const LESSON_VAL_ACCURACY: Readonly<Record<string, readonly [number, number]>> = {
  wide: [0.975, 0.98],
  deep: [0.965, 0.97],
  'deep-dropout': [0.95, 0.96],
  'deep-dropout-50': [0.965, 0.975],
  'wide-deep': [0.98, 0.985],
  'wide-deep-bn': [0.98, 0.985],
  'functional-wide': [0.975, 0.98],
};

/** The default sweep: every run of the lesson with batch 128, Adam at Keras's defaults. */
export function defaultRuns(seed = DEFAULT_SEED): RunConfig[] {
  return LESSON_RUNS.map((r) => ({
    ...r,
    hidden: [...r.hidden],
    configId: r.id,
    activation: 'relu',
    optimizer: 'adam',
    learningRate: DEFAULT_LEARNING_RATE.adam,
    batchSize: 128,
    seed,
  }));
}

/** A short human description: `784-500-250×4-10 dropout 0.2 bn`. */
export function describeArchitecture(
  config: Pick<RunConfig, 'hidden' | 'dropout' | 'batchNorm' | 'activation' | 'api' | 'conv' | 'pool'>,
  inputSize = 784,
  classes = 10,
): string {
  const parts: string[] = [];
  for (const units of config.hidden) {
    const last = parts[parts.length - 1];
    const match = last?.match(/^(\d+)(?:×(\d+))?$/);
    if (match && Number(match[1]) === units) parts[parts.length - 1] = `${units}×${Number(match[2] ?? 1) + 1}`;
    else parts.push(String(units));
  }
  let text = hasConv(config)
    ? `${describeConv(config)} → ${[...parts, classes].join('-')}`
    : [inputSize, ...parts, classes].join('-');
  if (config.activation !== 'relu') text += ` ${config.activation}`;
  if (config.dropout > 0) text += ` drop ${config.dropout}`;
  if (config.batchNorm) text += ' bn';
  if (config.api === 'functional') text += ' (functional)';
  return text;
}

/** Checks one run configuration, naming the field and value at fault. */
export function validateRunConfig(config: unknown, where = 'run'): RunConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ConfigError(`${where}: expected a run configuration object, but got ${describe(config)}.`);
  }
  const c = config as Record<string, unknown>;
  const field = (name: string) => `${where}.${name}`;
  // '+' for the grid's own names: a learning rate of 1e30 is `lr1e+30`.
  if (typeof c.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(c.id)) {
    throw new ConfigError(
      `${field('id')}: expected a name of letters, digits, '.', '_', '+' or '-', but got ${describe(c.id)}.`,
    );
  }
  if (typeof c.configId !== 'string' || c.configId === '') {
    throw new ConfigError(`${field('configId')}: expected a non-empty string, but got ${describe(c.configId)}.`);
  }
  checkHidden(c.hidden, field('hidden'));
  checkDropout(c.dropout, field('dropout'));
  checkOneOf(c.batchNorm, [true, false], field('batchNorm'));
  checkOneOf(c.activation, HIDDEN_ACTIVATIONS, field('activation'));
  checkOneOf(c.optimizer, OPTIMIZERS, field('optimizer'));
  checkPositiveNumber(c.learningRate, field('learningRate'));
  checkPositiveInteger(c.batchSize, field('batchSize'), MAX_BATCH_SIZE);
  checkPositiveInteger(c.epochs, field('epochs'), MAX_EPOCHS);
  checkSeed(c.seed, field('seed'));
  checkOneOf(c.api, APIS, field('api'));
  if (c.conv !== undefined) checkConv(c.conv, field('conv'));
  if (c.pool !== undefined) checkPool(c.pool, field('pool'));
  checkConvRun(c as unknown as RunConfig, 784, where);
  checkParams(c as unknown as RunConfig, where);
  return c as unknown as RunConfig;
}

export function checkHidden(value: unknown, field: string): asserts value is number[] {
  if (!Array.isArray(value) || value.some((u) => !Number.isInteger(u) || (u as number) < 1)) {
    throw new ConfigError(
      `${field}: expected a list of positive integer layer sizes ([] for none), but got ${describe(value)}.`,
    );
  }
  if (value.length > MAX_HIDDEN_LAYERS) {
    throw new ConfigError(`${field}: expected at most ${MAX_HIDDEN_LAYERS} hidden layers, but got ${value.length}.`);
  }
  const wide = value.findIndex((u) => (u as number) > MAX_UNITS);
  if (wide >= 0) {
    throw new ConfigError(`${field}[${wide}]: expected at most ${MAX_UNITS} units, but got ${value[wide]}.`);
  }
}

/** A model's parameter count (computed from the config, nothing allocated) within MAX_PARAMS. */
export function checkParams(config: Pick<RunConfig, 'hidden' | 'batchNorm' | 'conv' | 'pool'>, where: string): void {
  const params = countParams(config);
  if (params > MAX_PARAMS) {
    const conv = hasConv(config) ? `conv ${describe(config.conv)} and ` : '';
    throw new ConfigError(
      `${where}: ${conv}hidden ${describe(config.hidden)} makes a model of ${params.toLocaleString('en-US')} parameters; expected at most ${MAX_PARAMS.toLocaleString('en-US')}.`,
    );
  }
}

export function checkDropout(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new ConfigError(`${field}: expected a dropout rate in [0, 1), but got ${describe(value)}.`);
  }
}

export function checkPositiveNumber(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${field}: expected a positive finite number, but got ${describe(value)}.`);
  }
}

export function checkPositiveInteger(value: unknown, field: string, max = Infinity): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${field}: expected a positive integer, but got ${describe(value)}.`);
  }
  if (value > max) throw new ConfigError(`${field}: expected at most ${max}, but got ${describe(value)}.`);
}

export function checkSeed(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SEED) {
    throw new ConfigError(`${field}: expected an integer seed in [0, ${MAX_SEED}], but got ${describe(value)}.`);
  }
}

export function checkOneOf<T>(value: unknown, allowed: readonly T[], field: string): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new ConfigError(
      `${field}: expected one of ${allowed.map((a) => describe(a)).join(', ')}, but got ${describe(value)}.`,
    );
  }
}
