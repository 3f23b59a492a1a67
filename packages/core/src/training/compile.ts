import { ValueError, RuntimeError, describeValue } from '../errors.js';
import type { CompilableModel } from '../models/model-interface.js';
import type { CompileArgs, CompiledOutput, CompiledState } from './compiled-state.js';
import { getLoss, type LossIdentifier } from './losses.js';
import { resolveMetric } from './metrics.js';
import {
  getOptimizer,
  serializeOptimizer,
  type OptimizerConfig,
  type OptimizerIdentifier,
} from './optimizers/index.js';

export type { CompileArgs, CompiledOutput, CompiledState };

/** The compile arguments as plain JSON, re-creatable in a worker with `compileModel(model, json)`. */
export interface SerializedCompileArgs {
  optimizer: OptimizerConfig;
  loss: string | string[];
  metrics: string[];
}

/** Configures the model for training, as Keras's `model.compile`. */
export function compileModel(model: CompilableModel, args: CompileArgs | SerializedCompileArgs): void {
  const owner = `compile (model ${model.name})`;
  if (typeof args !== 'object' || args === null)
    throw new ValueError(`${owner}: expected {optimizer, loss, metrics?}, but got ${describeValue(args)}.`);
  if (args.loss === undefined)
    throw new ValueError(`${owner}: a loss is required, e.g. loss: 'categoricalCrossentropy'.`);
  const optimizer = getOptimizer(args.optimizer as OptimizerIdentifier, owner);
  const outputLayers = model.outputs.map((t) => t.sourceLayer.name);
  const lossList = Array.isArray(args.loss) ? args.loss : outputLayers.map(() => args.loss as LossIdentifier);
  if (lossList.length !== outputLayers.length) {
    throw new ValueError(
      `${owner}: expected one loss per output (${outputLayers.length}: ${outputLayers.join(', ')}), but got ${lossList.length}.`,
    );
  }
  const metricList = args.metrics === undefined ? [] : Array.isArray(args.metrics) ? args.metrics : [args.metrics];
  const outputs = model.outputs.map((t, i): CompiledOutput => {
    const loss = getLoss(lossList[i]!, owner);
    const units = t.shape[t.shape.length - 1] ?? null;
    return { name: t.sourceLayer.name, loss, metrics: metricList.map((m) => resolveMetric(m, loss, units, owner)) };
  });
  model.compiled = { optimizer, outputs, logKeys: logKeysOf(outputs), args: args as CompileArgs };
}

/** Keras's log names: `loss`, then `<output>_loss` and `<output>_<metric>` when there are several outputs. */
function logKeysOf(outputs: CompiledOutput[]): string[] {
  if (outputs.length === 1) return ['loss', ...outputs[0]!.metrics.map((m) => m.key)];
  return [
    'loss',
    ...outputs.map((o) => `${o.name}_loss`),
    ...outputs.flatMap((o) => o.metrics.map((m) => `${o.name}_${m.key}`)),
  ];
}

/** The model's compiled state, or an error saying `compile` must come first. */
export function requireCompiled(model: CompilableModel, caller: string): CompiledState {
  if (model.compiled === undefined) {
    throw new RuntimeError(
      `${caller}: model ${model.name} must be compiled first: call model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']}).`,
    );
  }
  return model.compiled;
}

/** The compiled configuration as plain JSON (names only; custom Loss or Metric objects cannot be sent). */
export function serializeCompileArgs(compiled: CompiledState): SerializedCompileArgs {
  const name = (value: unknown, what: string): string => {
    if (typeof value === 'string') return value;
    throw new ValueError(
      `serializeCompileArgs: the ${what} ${describeValue((value as { name?: unknown }).name)} was given as an object, which cannot be sent to a worker; give it by name.`,
    );
  };
  const { loss, metrics } = compiled.args;
  return {
    optimizer: serializeOptimizer(compiled.optimizer),
    loss: Array.isArray(loss) ? loss.map((l) => name(l, 'loss')) : name(loss, 'loss'),
    metrics: (metrics === undefined ? [] : Array.isArray(metrics) ? metrics : [metrics]).map((m) => name(m, 'metric')),
  };
}
