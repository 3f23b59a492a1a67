import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { tf } from '../tf.js';
import { setBackend } from '../backend.js';
import { maxAbsDifference } from '../testing/compare.js';
import { losses } from './losses.js';
import { metrics, resolveMetric } from './metrics.js';

beforeAll(async () => {
  await setBackend('wasm');
});

describe('metrics', () => {
  it('resolves accuracy from the loss and the output, as Keras', () => {
    expect(resolveMetric('accuracy', losses.categoricalCrossentropy, 10)).toEqual({
      key: 'accuracy',
      metric: metrics.categoricalAccuracy,
    });
    expect(resolveMetric('acc', losses.categoricalCrossentropy, 10)).toEqual({
      key: 'acc',
      metric: metrics.categoricalAccuracy,
    });
    expect(resolveMetric('accuracy', losses.sparseCategoricalCrossentropy, 10).metric).toBe(
      metrics.sparseCategoricalAccuracy,
    );
    expect(resolveMetric('accuracy', losses.binaryCrossentropy, 3).metric).toBe(metrics.binaryAccuracy);
    expect(resolveMetric('accuracy', losses.meanSquaredError, 1).metric).toBe(metrics.binaryAccuracy);
    expect(resolveMetric('categorical_accuracy', losses.meanSquaredError, 4)).toEqual({
      key: 'categorical_accuracy',
      metric: metrics.categoricalAccuracy,
    });
    expect(resolveMetric('binaryAccuracy', losses.meanSquaredError, 4)).toEqual({
      key: 'binaryAccuracy',
      metric: metrics.binaryAccuracy,
    });
    expect(resolveMetric('mse', losses.categoricalCrossentropy, 4).key).toBe('mse');
    expect(() => resolveMetric('f1', losses.meanSquaredError, 1)).toThrow(
      /compile: unknown metric "f1"; expected one of accuracy, acc, categoricalAccuracy/,
    );
  });

  it('computes the batch mean as tfjs-layers does', () => {
    const p = tf.tensor2d([
      [0.1, 0.7, 0.2],
      [0.5, 0.3, 0.2],
      [0.2, 0.2, 0.6],
      [0.3, 0.4, 0.3],
    ]);
    const t = tf.tensor2d([
      [0, 1, 0],
      [0, 0, 1],
      [0, 0, 1],
      [1, 0, 0],
    ]);
    const categorical = metrics.categoricalAccuracy.compute(t, p);
    expect(categorical.dataSync()[0]).toBeCloseTo(0.5, 7);
    expect(maxAbsDifference(categorical, tfjs.mean(tfjs.metrics.categoricalAccuracy(t, p)))).toBe(0);
    expect(metrics.sparseCategoricalAccuracy.compute(tf.tensor1d([1, 2, 2, 0]), p).dataSync()[0]).toBeCloseTo(0.5, 7);
    const b = tf.tensor2d([[0.2], [0.7], [0.5], [0.9]]);
    const bt = tf.tensor2d([[0], [1], [1], [0]]);
    expect(metrics.binaryAccuracy.compute(bt, b).dataSync()[0]).toBeCloseTo(0.5, 7); // 0.5 is not above the threshold
    expect(maxAbsDifference(metrics.binaryAccuracy.compute(bt, b), tfjs.mean(tfjs.metrics.binaryAccuracy(bt, b)))).toBe(
      0,
    );
  });
});
