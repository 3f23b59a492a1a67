import { beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs'; // registers the gradients tf.grad needs for the reference
import { tf } from './tf.js';
import { setBackend } from './backend.js';
import { ACTIVATION_NAMES, getActivation } from './activations.js';
import { maxAbsDifference } from './testing/compare.js';

let X: tf.Tensor2D;
let DY: tf.Tensor2D;

beforeAll(async () => {
  await setBackend('cpu');
  // Points away from 0, where relu and elu/selu are not differentiable.
  X = tf.tensor2d([
    [-2.5, -1.2, -0.3, 0.4, 1.1, 3.0],
    [0.7, -0.8, 2.2, -1.7, 0.2, -0.05],
  ]);
  DY = tf.tensor2d([
    [0.3, -1.1, 0.8, 0.5, -0.2, 1.4],
    [-0.6, 0.9, 0.1, -1.3, 0.7, 0.25],
  ]);
});

describe('activations', () => {
  it('lists the eight Keras activations', () => {
    expect(ACTIVATION_NAMES).toEqual(['linear', 'relu', 'softmax', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus']);
  });

  it.each(ACTIVATION_NAMES)('%s: backward equals tfjs autodiff of forward', (name) => {
    const activation = getActivation(name);
    const y = activation.forward(X);
    const ours = activation.backward(DY, X, y);
    const reference = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(activation.forward(x), DY)))(X);
    expect(maxAbsDifference(ours, reference)).toBeLessThan(1e-6);
  });

  it('computes hand-checked values', () => {
    const at = (name: (typeof ACTIVATION_NAMES)[number], v: number) =>
      getActivation(name).forward(tf.scalar(v)).dataSync()[0]!;
    expect(at('relu', -1)).toBe(0);
    expect(at('sigmoid', 0)).toBe(0.5);
    expect(at('elu', -1)).toBeCloseTo(Math.exp(-1) - 1, 6);
    expect(at('selu', -1)).toBeCloseTo(1.0507009873554805 * 1.6732632423543772 * (Math.exp(-1) - 1), 6);
    expect(at('softplus', 2)).toBeCloseTo(Math.log1p(Math.exp(2)), 6);
    const softmax = getActivation('softmax')
      .forward(tf.tensor2d([[1, 2, 3]]))
      .dataSync();
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expect([...softmax].map((v) => v.toFixed(6))).toEqual(
      [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z].map((v) => v.toFixed(6)),
    );
  });

  it('treats undefined and null as linear, and lists the valid names for unknown ones', () => {
    expect(getActivation(undefined).name).toBe('linear');
    expect(getActivation(null).name).toBe('linear');
    expect(() => getActivation('swish', 'Dense dense_9')).toThrow(
      'Dense dense_9: unknown activation "swish"; expected one of linear, relu, softmax, sigmoid, tanh, elu, selu, softplus.',
    );
  });
});
