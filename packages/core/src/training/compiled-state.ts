// What `compile` takes and leaves on a model, apart from the code that does it, so that the
// model interface training depends on (models/model-interface.ts) can name it without a cycle.
import type { LossIdentifier, Loss } from './losses.js';
import type { MetricIdentifier, ResolvedMetric } from './metrics.js';
import type { Optimizer, OptimizerIdentifier } from './optimizers/index.js';

/** One model output as training sees it. */
export interface CompiledOutput {
  /** The output layer's name; prefixes the log keys when the model has several outputs. */
  name: string;
  loss: Loss;
  metrics: ResolvedMetric[];
}

/** What `compile` leaves on `model.compiled`. */
export interface CompiledState {
  optimizer: Optimizer;
  outputs: CompiledOutput[];
  /** Log keys of one batch in order: `loss`, per-output losses when several, then the metrics. */
  logKeys: string[];
  /** The arguments as given (for serialization). */
  args: CompileArgs;
}

export interface CompileArgs {
  /** `'adam'`, `'sgd'`, `'rmsprop'`, `'adagrad'` (Keras defaults), `{className, config}` or an instance. */
  optimizer: OptimizerIdentifier;
  /** One loss for every output, or one per output (names or `Loss` objects). */
  loss: LossIdentifier | LossIdentifier[];
  /** Metrics computed for every output: `'accuracy'` (resolved from the loss), `'categoricalAccuracy'`, ... */
  metrics?: MetricIdentifier | MetricIdentifier[];
}
