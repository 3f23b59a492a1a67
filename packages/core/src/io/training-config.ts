import { ValueError, describeValue } from '../errors.js';
import type { LayersModel } from '../models/model.js';
import { toCamelCase, toSnakeCase } from '../models/serialization.js';
import { compileModel, type CompiledState } from '../training/compile.js';
import { getLoss, type LossIdentifier } from '../training/losses.js';
import type { MetricIdentifier } from '../training/metrics.js';
import { getOptimizer, type Optimizer } from '../training/optimizers/index.js';
import { assertSafeJson } from './json-tree.js';

/** tfjs's `TrainingConfig`: what `compile` was given, in the JSON tfjs-layers writes and reads. */
export interface TrainingConfig {
  optimizer_config: { class_name: string; config: Record<string, unknown> };
  loss: string | string[] | Record<string, string>;
  metrics?: string[] | Record<string, string | string[]>;
  weighted_metrics?: unknown;
  sample_weight_mode?: unknown;
  loss_weights?: unknown;
}

/**
 * The training config of a compiled model, as tfjs-layers' `getTrainingConfig` writes it: loss
 * and metric names in snake_case, the optimizer under tfjs's class name and config keys (so
 * `tf.loadLayersModel` compiles it). Undefined when the model is not compiled, or was compiled
 * with objects that have no name to store (a custom Loss, Metric or Optimizer).
 */
export function trainingConfigOf(compiled: CompiledState | undefined): TrainingConfig | undefined {
  if (compiled === undefined) return undefined;
  const optimizerConfig = tfjsOptimizerConfig(compiled.optimizer);
  const lossName = (loss: LossIdentifier): string | undefined => {
    const name = typeof loss === 'string' ? loss : loss.name;
    // A built-in loss given as an object stores under its name; a custom one cannot be stored.
    try {
      return typeof loss === 'string' || getLoss(name) === loss ? toSnakeCase(getLoss(name).name) : undefined;
    } catch {
      return undefined;
    }
  };
  const { loss, metrics } = compiled.args;
  const losses = (Array.isArray(loss) ? loss : [loss]).map(lossName);
  const metricList = metrics === undefined ? [] : Array.isArray(metrics) ? metrics : [metrics];
  const builtIn = compiled.outputs[0]?.metrics ?? [];
  const metricNames = metricList.map((m, i) => metricName(m, builtIn[i]?.metric));
  if (optimizerConfig === undefined || losses.includes(undefined) || metricNames.includes(undefined)) return undefined;
  return {
    loss: Array.isArray(loss) ? (losses as string[]) : losses[0]!,
    metrics: metricNames as string[],
    optimizer_config: optimizerConfig,
  };
}

/** A metric's stored name: a string as tfjs writes it; a built-in Metric object by its name. */
function metricName(metric: MetricIdentifier, resolved: unknown): string | undefined {
  if (typeof metric === 'string') return toSnakeCase(metric);
  return resolved === metric && BUILT_IN_METRIC_NAMES.has(metric.name) ? metric.name : undefined;
}
const BUILT_IN_METRIC_NAMES = new Set(['categorical_accuracy', 'sparse_categorical_accuracy', 'binary_accuracy']);

/** Our optimizers under tfjs-core's class names and config keys (tfjs ignores keys it does not know). */
function tfjsOptimizerConfig(optimizer: Optimizer): TrainingConfig['optimizer_config'] | undefined {
  const c = optimizer.getConfig();
  switch (optimizer.className) {
    case 'Adam':
      return {
        class_name: 'Adam',
        config: { learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon },
      };
    case 'SGD':
      return (c.momentum as number) > 0
        ? {
            class_name: 'Momentum',
            config: { learningRate: c.learningRate, momentum: c.momentum, useNesterov: c.nesterov },
          }
        : { class_name: 'SGD', config: { learningRate: c.learningRate } };
    case 'RMSprop':
      return {
        class_name: 'RMSProp',
        config: {
          learningRate: c.learningRate,
          decay: c.rho,
          momentum: c.momentum,
          epsilon: c.epsilon,
          centered: c.centered,
        },
      };
    case 'Adagrad':
      return {
        class_name: 'Adagrad',
        config: {
          learningRate: c.learningRate,
          initialAccumulatorValue: c.initialAccumulatorValue,
          epsilon: c.epsilon,
        },
      };
    default:
      return undefined;
  }
}

/** Keras options that change training and that our optimizers do not have: refused rather than dropped. */
const UNSUPPORTED_OPTIMIZER_KEYS = ['clipnorm', 'clipvalue', 'globalClipnorm', 'weightDecay', 'amsgrad'];

/** tfjs-core's (and Keras's) optimizer class names → ours, with the config keys each reads. */
const OPTIMIZERS: Record<string, { className: string; read: (c: Record<string, unknown>) => Record<string, unknown> }> =
  {
    Adam: {
      className: 'Adam',
      read: (c) => ({ learningRate: c.learningRate ?? c.lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon }),
    },
    SGD: {
      className: 'SGD',
      read: (c) => ({ learningRate: c.learningRate ?? c.lr, momentum: c.momentum, nesterov: c.nesterov }),
    },
    Momentum: {
      className: 'SGD',
      read: (c) => ({ learningRate: c.learningRate ?? c.lr, momentum: c.momentum, nesterov: c.useNesterov }),
    },
    RMSProp: {
      className: 'RMSprop',
      // Keras calls the decay of the squared-gradient average rho; tfjs calls it decay.
      read: (c) => ({
        learningRate: c.learningRate ?? c.lr,
        rho: c.rho ?? c.decay,
        momentum: c.momentum,
        epsilon: c.epsilon,
        centered: c.centered,
      }),
    },
    Adagrad: {
      className: 'Adagrad',
      read: (c) => ({
        learningRate: c.learningRate ?? c.lr,
        initialAccumulatorValue: c.initialAccumulatorValue,
        epsilon: c.epsilon,
      }),
    },
  };
OPTIMIZERS.RMSprop = OPTIMIZERS.RMSProp!;

/**
 * Compiles `model` as a stored training config says, as `tf.loadLayersModel` does, so a loaded
 * model can `fit` straight away. Errors name `source` and the field.
 */
export function applyTrainingConfig(model: LayersModel, trainingConfig: unknown, source: string): void {
  const where = `${source}: trainingConfig`;
  assertSafeJson(trainingConfig, source, 'trainingConfig');
  if (!isRecord(trainingConfig)) {
    throw new ValueError(
      `${where}: expected {loss, metrics, optimizer_config}, but got ${describeValue(trainingConfig)}.`,
    );
  }
  for (const key of ['weighted_metrics', 'loss_weights', 'sample_weight_mode'] as const) {
    const value = trainingConfig[key];
    if (value !== undefined && value !== null)
      throw new ValueError(`${where}: ${key} is not supported, but the file sets it to ${describeValue(value)}.`);
  }
  const outputNames = model.outputs.map((t) => t.sourceLayer.name);
  const byOutput = <T>(value: Record<string, T>, field: string): T[] =>
    outputNames.map((name) => {
      if (!Object.hasOwn(value, name))
        throw new ValueError(
          `${where}: ${field} has no entry for output ${name}; it has ${Object.keys(value).join(', ') || 'none'}.`,
        );
      return value[name]!;
    });

  const { loss } = trainingConfig;
  let losses: unknown;
  if (typeof loss === 'string' || Array.isArray(loss)) losses = loss;
  else if (isRecord(loss)) losses = byOutput(loss, 'loss');
  else
    throw new ValueError(
      `${where}: expected loss to be a name, a list or {output: name}, but got ${describeValue(loss)}.`,
    );
  if (Array.isArray(losses) && !losses.every((l) => typeof l === 'string'))
    throw new ValueError(`${where}: expected loss names, but got ${describeValue(losses)}.`);

  let metrics: unknown = trainingConfig.metrics ?? [];
  if (isRecord(metrics)) {
    // Keras and tfjs may store metrics per output; we compute the same metrics for every output.
    const perOutput = Object.keys(metrics).length === 0 ? [] : byOutput(metrics, 'metrics').map(asList);
    const first = JSON.stringify(perOutput[0] ?? []);
    if (perOutput.some((m) => JSON.stringify(m) !== first))
      throw new ValueError(
        `${where}: metrics differ between outputs (${describeValue(metrics)}); every output gets the same metrics here.`,
      );
    metrics = perOutput[0] ?? [];
  }
  if (!Array.isArray(metrics) || !metrics.every((m) => typeof m === 'string'))
    throw new ValueError(`${where}: expected metrics to be a list of names, but got ${describeValue(metrics)}.`);

  const optimizer = readOptimizer(trainingConfig.optimizer_config, where);
  try {
    compileModel(model, {
      optimizer,
      loss: (Array.isArray(losses) ? losses.map(String) : String(losses)) as LossIdentifier | LossIdentifier[],
      metrics: metrics as string[],
    });
  } catch (error) {
    if (!(error instanceof ValueError)) throw error;
    throw new ValueError(`${where}: ${error.message}`, { cause: error });
  }
}

function readOptimizer(optimizerConfig: unknown, where: string): Optimizer {
  if (!isRecord(optimizerConfig) || typeof optimizerConfig.class_name !== 'string') {
    throw new ValueError(
      `${where}: expected optimizer_config to be {class_name, config}, but got ${describeValue(optimizerConfig)}.`,
    );
  }
  const className = optimizerConfig.class_name;
  const known = Object.hasOwn(OPTIMIZERS, className) ? OPTIMIZERS[className] : undefined;
  if (known === undefined) {
    throw new ValueError(
      `${where}: unknown optimizer class ${describeValue(className)}; expected one of ${Object.keys(OPTIMIZERS).join(', ')}.`,
    );
  }
  const raw = optimizerConfig.config ?? {};
  if (!isRecord(raw))
    throw new ValueError(`${where}: expected optimizer_config.config to be an object, but got ${describeValue(raw)}.`);
  // tfjs writes camelCase keys, Keras snake_case (learning_rate, beta_1).
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) config[toCamelCase(key)] = value;
  for (const key of UNSUPPORTED_OPTIMIZER_KEYS) {
    const value = config[key];
    if (value !== undefined && value !== null && value !== false && value !== 0)
      throw new ValueError(
        `${where}: ${className} option ${toSnakeCase(key)} is not supported, but the file sets it to ${describeValue(value)}.`,
      );
  }
  const args = Object.fromEntries(Object.entries(known.read(config)).filter(([, v]) => v !== undefined && v !== null));
  try {
    return getOptimizer({ className: known.className, config: args as Record<string, number | boolean> }, where);
  } catch (error) {
    if (!(error instanceof ValueError) || error.message.startsWith(where)) throw error;
    throw new ValueError(`${where}: ${error.message}`, { cause: error });
  }
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
