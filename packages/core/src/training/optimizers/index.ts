import { ValueError, describeValue } from '../../errors.js';
import { Optimizer, type OptimizerConfig } from './optimizer.js';
import { Adam, adam } from './adam.js';
import { SGD, sgd } from './sgd.js';
import { RMSprop, rmsprop } from './rmsprop.js';
import { Adagrad, adagrad } from './adagrad.js';

export { Optimizer, Adam, SGD, RMSprop, Adagrad };
export type { OptimizerConfig, OptimizerState } from './optimizer.js';
export type { AdamArgs } from './adam.js';
export type { SGDArgs } from './sgd.js';
export type { RMSpropArgs } from './rmsprop.js';
export type { AdagradArgs } from './adagrad.js';

/** Factories, as `tf.train.*` / `keras.optimizers.*`: `optimizers.adam({learningRate: 0.01})`. */
export const optimizers = { adam, sgd, rmsprop, adagrad };

const BY_CLASS_NAME: Record<string, (config: Record<string, unknown>) => Optimizer> = {
  Adam: (c) => new Adam(c),
  SGD: (c) => new SGD(c),
  RMSprop: (c) => new RMSprop(c),
  Adagrad: (c) => new Adagrad(c),
};

export type OptimizerIdentifier = string | OptimizerConfig | Optimizer;

/**
 * An optimizer from a name (`'adam'`, `'sgd'`, `'rmsprop'`, `'adagrad'`, any case), a serialized
 * `{className, config}`, or an instance (returned as is). Names give Keras's defaults.
 */
export function getOptimizer(identifier: OptimizerIdentifier, owner = 'compile'): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  const names = Object.keys(BY_CLASS_NAME);
  if (typeof identifier === 'string') {
    const className = names.find((n) => n.toLowerCase() === identifier.toLowerCase());
    if (className) return BY_CLASS_NAME[className]!({});
    throw new ValueError(
      `${owner}: unknown optimizer ${describeValue(identifier)}; expected one of ${names.map((n) => n.toLowerCase()).join(', ')} or an optimizer instance.`,
    );
  }
  if (typeof identifier === 'object' && identifier !== null && typeof identifier.className === 'string') {
    const create = BY_CLASS_NAME[identifier.className];
    if (create) return create(identifier.config ?? {});
    throw new ValueError(
      `${owner}: unknown optimizer class ${describeValue(identifier.className)}; expected one of ${names.join(', ')}.`,
    );
  }
  throw new ValueError(
    `${owner}: expected the optimizer to be a name, {className, config} or an optimizer instance, but got ${describeValue(identifier)}.`,
  );
}

/** `{className, config}`, which `getOptimizer` turns back into an equal optimizer. */
export function serializeOptimizer(optimizer: Optimizer): OptimizerConfig {
  return { className: optimizer.className, config: optimizer.getConfig() };
}
