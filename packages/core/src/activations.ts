import { tf, type Tensor } from './tf.js';
import { ValueError, describeValue } from './errors.js';

/**
 * An activation function with its derivative beside it. `backward` receives the upstream
 * gradient, the input and the output of `forward`, so each rule uses whichever is cheaper.
 */
export interface Activation {
  readonly name: ActivationName;
  forward(x: Tensor): Tensor;
  backward(dy: Tensor, x: Tensor, y: Tensor): Tensor;
}

export type ActivationName = 'linear' | 'relu' | 'softmax' | 'sigmoid' | 'tanh' | 'elu' | 'selu' | 'softplus';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const ACTIVATIONS: Record<ActivationName, Activation> = {
  linear: { name: 'linear', forward: (x) => x, backward: (dy) => dy },
  relu: {
    name: 'relu',
    forward: (x) => tf.relu(x),
    backward: (dy, _x, y) => tf.mul(dy, tf.step(y)),
  },
  // Softmax over the last axis; dx = y * (dy - sum(dy * y)).
  softmax: {
    name: 'softmax',
    forward: (x) => tf.softmax(x),
    backward: (dy, _x, y) => tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), -1, true))),
  },
  sigmoid: {
    name: 'sigmoid',
    forward: (x) => tf.sigmoid(x),
    backward: (dy, _x, y) => tf.mul(dy, tf.mul(y, tf.sub(1, y))),
  },
  tanh: {
    name: 'tanh',
    forward: (x) => tf.tanh(x),
    backward: (dy, _x, y) => tf.mul(dy, tf.sub(1, tf.square(y))),
  },
  // elu (alpha 1): y = x for x > 0, exp(x) - 1 otherwise; dy/dx = 1 or y + 1.
  elu: {
    name: 'elu',
    forward: (x) => tf.elu(x),
    backward: (dy, x, y) => tf.mul(dy, tf.where(tf.greater(x, 0), tf.onesLike(x), tf.add(y, 1))),
  },
  selu: {
    name: 'selu',
    forward: (x) => tf.selu(x),
    backward: (dy, x, y) =>
      tf.mul(dy, tf.where(tf.greater(x, 0), tf.fill(x.shape, SELU_SCALE), tf.add(y, SELU_SCALE * SELU_ALPHA))),
  },
  softplus: {
    name: 'softplus',
    forward: (x) => tf.softplus(x),
    backward: (dy, x) => tf.mul(dy, tf.sigmoid(x)),
  },
};

export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];

/** Looks an activation up by name (`undefined`/`null` mean linear); unknown names list the valid ones. */
export function getActivation(name: string | null | undefined, owner = 'activation'): Activation {
  if (name === undefined || name === null) return ACTIVATIONS.linear;
  const found = ACTIVATIONS[name as ActivationName];
  if (!found) {
    throw new ValueError(
      `${owner}: unknown activation ${describeValue(name)}; expected one of ${ACTIVATION_NAMES.join(', ')}.`,
    );
  }
  return found;
}
