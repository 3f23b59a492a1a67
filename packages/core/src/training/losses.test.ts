import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { tf, type Tensor } from '../tf.js';
import { setBackend } from '../backend.js';
import { maxAbsDifference } from '../testing/compare.js';
import { SeededRandom } from '../random.js';
import { getLoss, losses, type Loss } from './losses.js';

beforeAll(async () => {
  await setBackend('wasm');
});

/** Softmax rows of seeded logits: probabilities well inside (0, 1). */
function probabilities(rows: number, classes: number, seed: number): Tensor {
  const random = new SeededRandom(seed);
  const logits = Float32Array.from({ length: rows * classes }, () => random.normal());
  return tf.tidy(() => tf.softmax(tf.tensor2d(logits, [rows, classes])));
}

function oneHot(labels: number[], classes: number): Tensor {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32'));
}

/** Central differences of the loss value w.r.t. every entry of yPred. */
function finiteDifferenceGradient(loss: Loss, yTrue: Tensor, yPred: Tensor, h = 1e-3): Float32Array {
  const base = yPred.dataSync();
  const grad = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const at = (delta: number) => {
      const values = Float32Array.from(base);
      values[i] = values[i]! + delta;
      return tf.tidy(() => loss.value(yTrue, tf.tensor(values, yPred.shape)).dataSync()[0]!);
    };
    grad[i] = (at(h) - at(-h)) / (2 * h);
  }
  return grad;
}

/** tfjs-layers' per-sample loss, averaged over the batch as Keras's `fit` does. */
const reference: Record<string, (t: Tensor, p: Tensor) => Tensor> = {
  categorical_crossentropy: (t, p) => tfjs.mean(tfjs.metrics.categoricalCrossentropy(t, p)),
  binary_crossentropy: (t, p) => tfjs.mean(tfjs.metrics.binaryCrossentropy(t, p)),
  mean_squared_error: (t, p) => tfjs.mean(tfjs.metrics.meanSquaredError(t, p)),
};

const cases: { name: string; loss: Loss; data: () => [Tensor, Tensor] }[] = [
  {
    name: 'categorical_crossentropy',
    loss: losses.categoricalCrossentropy,
    data: () => [oneHot([0, 2, 1, 2], 3), probabilities(4, 3, 1)],
  },
  {
    name: 'binary_crossentropy',
    loss: losses.binaryCrossentropy,
    data: () => [
      tf.tensor2d([
        [1, 0],
        [0, 0],
        [1, 1],
      ]),
      tf.tensor2d([
        [0.8, 0.3],
        [0.1, 0.6],
        [0.45, 0.9],
      ]),
    ],
  },
  {
    name: 'mean_squared_error',
    loss: losses.meanSquaredError,
    data: () => [
      tf.tensor2d([
        [1, -2],
        [0.5, 3],
        [0, 0],
      ]),
      tf.tensor2d([
        [0.8, -1],
        [0.1, 2.5],
        [-0.3, 0.2],
      ]),
    ],
  },
];

describe('losses', () => {
  it.each(cases)(
    '$name: value and gradient match tfjs-layers (1e-6) and finite differences (2e-3)',
    ({ name, loss, data }) => {
      const [yTrue, yPred] = data();
      const { value, gradient } = loss.valueAndGradient(yTrue, yPred);
      const expectedValue = reference[name]!(yTrue, yPred);
      const expectedGradient = tfjs.grad((p: Tensor) => reference[name]!(yTrue, p))(yPred);
      expect(value.shape).toEqual([]);
      expect(maxAbsDifference(value, expectedValue)).toBeLessThan(1e-6);
      expect(maxAbsDifference(loss.value(yTrue, yPred), expectedValue)).toBeLessThan(1e-6);
      expect(maxAbsDifference(gradient, expectedGradient)).toBeLessThan(1e-6);
      expect(maxAbsDifference(gradient, finiteDifferenceGradient(loss, yTrue, yPred))).toBeLessThan(2e-3);
      tf.dispose([yTrue, yPred, value, gradient, expectedValue, expectedGradient]);
    },
  );

  it('sparse categorical cross-entropy equals categorical cross-entropy on one-hot labels', () => {
    const p = probabilities(5, 4, 2);
    const labels = [3, 0, 1, 1, 2];
    const sparse = losses.sparseCategoricalCrossentropy.valueAndGradient(tf.tensor1d(labels), p);
    const dense = losses.categoricalCrossentropy.valueAndGradient(oneHot(labels, 4), p);
    expect(maxAbsDifference(sparse.value, dense.value)).toBe(0);
    expect(maxAbsDifference(sparse.gradient, dense.gradient)).toBe(0);
    const asColumn = losses.sparseCategoricalCrossentropy.value(tf.tensor2d(labels, [5, 1], 'int32'), p);
    expect(maxAbsDifference(asColumn, dense.value)).toBe(0);
  });

  it('categorical cross-entropy of a batch is the mean of -log p(true class) (hand-computed)', () => {
    const p = tf.tensor2d([
      [0.7, 0.2, 0.1],
      [0.25, 0.25, 0.5],
    ]);
    const value = losses.categoricalCrossentropy.value(oneHot([0, 2], 3), p).dataSync()[0]!;
    expect(value).toBeCloseTo(-(Math.log(0.7) + Math.log(0.5)) / 2, 6);
  });

  it('gives a finite loss and gradient on a saturated softmax and sigmoid (probabilities clipped to [1e-7, 1 - 1e-7])', () => {
    // softmax of logits 200 apart: exactly 0 and 1 in float32.
    const p = tf.softmax(
      tf.tensor2d([
        [200, 0, 0],
        [0, 200, 0],
      ]),
    );
    expect(Array.from(p.dataSync())).toContain(0);
    const wrong = losses.categoricalCrossentropy.valueAndGradient(oneHot([1, 0], 3), p);
    expect(wrong.value.dataSync()[0]).toBeCloseTo(-Math.log(1e-7), 3);
    expect(Array.from(wrong.gradient.dataSync()).every(Number.isFinite)).toBe(true);
    const right = losses.categoricalCrossentropy.valueAndGradient(oneHot([0, 1], 3), p);
    expect(right.value.dataSync()[0]).toBeLessThan(1e-6);

    const s = tf.sigmoid(tf.tensor2d([[100], [-100], [100]]));
    const bce = losses.binaryCrossentropy.valueAndGradient(tf.tensor2d([[0], [1], [1]]), s);
    // float32: 1 - 1e-7 rounds to 1 - 2^-23, so log(1 - p) bottoms out at log(2^-23).
    expect(bce.value.dataSync()[0]).toBeCloseTo(
      (-Math.log(1 - Math.fround(1 - 1e-7)) - Math.log(Math.fround(1e-7))) / 3,
      4,
    );
    expect(Array.from(bce.gradient.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('resolves names in camelCase, snake_case and mse', () => {
    expect(getLoss('categoricalCrossentropy')).toBe(losses.categoricalCrossentropy);
    expect(getLoss('categorical_crossentropy')).toBe(losses.categoricalCrossentropy);
    expect(getLoss('sparse_categorical_crossentropy')).toBe(losses.sparseCategoricalCrossentropy);
    expect(getLoss('binaryCrossentropy')).toBe(losses.binaryCrossentropy);
    expect(getLoss('mse')).toBe(losses.meanSquaredError);
    expect(() => getLoss('crossEntropy')).toThrow(
      /unknown loss "crossEntropy"; expected one of categoricalCrossentropy, .*mean_squared_error/,
    );
  });

  it('rejects targets that do not fit the loss, naming the values', () => {
    const owner = 'fit (model m)';
    const cce = losses.categoricalCrossentropy;
    expect(() => cce.checkTargets(tf.tensor2d([[1], [2]]), [null, 3], owner)).toThrow(
      "fit (model m): categorical_crossentropy expects one-hot labels of shape (2, 3) (the model's output), but got targets of shape (2, 1); for class indices use sparse_categorical_crossentropy.",
    );
    expect(() =>
      cce.checkTargets(
        tf.tensor2d([
          [0, 1, 0],
          [0, 3, 0],
        ]),
        [null, 3],
        owner,
      ),
    ).toThrow(
      'categorical_crossentropy expects one-hot (or probability) label rows that sum to 1, but row 1 of the targets is [0, 3, 0].',
    );
    expect(() =>
      cce.checkTargets(
        tf.tensor2d([
          [0, 1, 0],
          [0, 0, 1],
        ]),
        [null, 3],
        owner,
      ),
    ).not.toThrow();
    expect(() => losses.sparseCategoricalCrossentropy.checkTargets(tf.tensor1d([0, 3]), [null, 3], owner)).toThrow(
      'sparse_categorical_crossentropy expects integer class indices in [0, 2], but target 1 is 3.',
    );
    expect(() => losses.binaryCrossentropy.checkTargets(tf.tensor2d([[0], [2]]), [null, 1], owner)).toThrow(
      'binary_crossentropy expects labels in [0, 1], but target value 1 is 2.',
    );
  });
});
