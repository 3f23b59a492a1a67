import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { getLoss, LOSS_NAMES, type Loss } from './losses.js';
import { FUSED, hasFused, runFused } from '../engine/fused.js';

/** A metric: the mean over the batch of a per-sample value, as a scalar. */
export interface Metric {
  /** The Keras function name (`categorical_accuracy`). */
  readonly name: string;
  compute(yTrue: Tensor, yPred: Tensor): Tensor;
}

const categoricalAccuracy: Metric = {
  name: 'categorical_accuracy',
  compute: (yTrue, yPred) => {
    if (
      yTrue.dtype === 'float32' &&
      yPred.dtype === 'float32' &&
      yPred.rank > 0 &&
      tf.util.arraysEqual(yTrue.shape, yPred.shape) &&
      hasFused(FUSED.categoricalAccuracy)
    ) {
      return runFused(FUSED.categoricalAccuracy, { yTrue, yPred })[0]!;
    }
    return tf.mean(tf.cast(tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1)), 'float32'));
  },
};

const sparseCategoricalAccuracy: Metric = {
  name: 'sparse_categorical_accuracy',
  compute: (yTrue, yPred) => {
    const labels = tf.reshape(yTrue.dtype === 'int32' ? yTrue : tf.cast(yTrue, 'int32'), [-1]);
    return tf.mean(tf.cast(tf.equal(labels, tf.argMax(yPred, -1)), 'float32'));
  },
};

/** Keras's threshold: a prediction above 0.5 is the positive class. */
const binaryAccuracy: Metric = {
  name: 'binary_accuracy',
  compute: (yTrue, yPred) => tf.mean(tf.cast(tf.equal(yTrue, tf.cast(tf.greater(yPred, 0.5), 'float32')), 'float32')),
};

const METRICS: Record<string, Metric> = { categoricalAccuracy, sparseCategoricalAccuracy, binaryAccuracy };

/** Names accepted as metrics besides the loss names. */
export const METRIC_NAMES = ['accuracy', 'acc', ...Object.keys(METRICS), ...Object.values(METRICS).map((m) => m.name)];

export type MetricIdentifier = string | Metric;

/** A metric bound to one output, under the key it is logged with. */
export interface ResolvedMetric {
  /** The log key without output prefix: the name the user gave (`accuracy`, `acc`, `categorical_accuracy`). */
  key: string;
  metric: Metric;
}

/**
 * Resolves a metric name. `accuracy`/`acc` depend on the loss, as in Keras: binary accuracy for
 * binary cross-entropy or a one-unit output, sparse categorical accuracy for sparse categorical
 * cross-entropy, categorical accuracy otherwise. Loss names are accepted as metrics too.
 */
export function resolveMetric(
  identifier: MetricIdentifier,
  loss: Loss,
  outputUnits: number | null,
  owner = 'compile',
): ResolvedMetric {
  if (typeof identifier === 'object' && identifier !== null && typeof identifier.compute === 'function') {
    return { key: identifier.name, metric: identifier };
  }
  if (typeof identifier !== 'string') {
    throw new ValueError(
      `${owner}: expected each metric to be a name or a Metric object, but got ${describeValue(identifier)}.`,
    );
  }
  if (identifier === 'accuracy' || identifier === 'acc') {
    const metric =
      loss.name === 'binary_crossentropy' || outputUnits === 1
        ? binaryAccuracy
        : loss.name === 'sparse_categorical_crossentropy'
          ? sparseCategoricalAccuracy
          : categoricalAccuracy;
    return { key: identifier, metric };
  }
  const camel = identifier.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const found = METRICS[camel];
  if (found) return { key: identifier, metric: found };
  if (LOSS_NAMES.includes(identifier)) {
    const asLoss = getLoss(identifier, owner);
    return { key: identifier, metric: { name: asLoss.name, compute: (t, p) => asLoss.value(t, p) } };
  }
  throw new ValueError(
    `${owner}: unknown metric ${describeValue(identifier)}; expected one of ${[...METRIC_NAMES, ...LOSS_NAMES].join(', ')} (or a Metric object with name and compute).`,
  );
}

/** The metric objects, for direct use. */
export const metrics = { categoricalAccuracy, sparseCategoricalAccuracy, binaryAccuracy };
