import { beforeAll, describe, expect, it } from 'vitest';
import { concatenate, initializers, input, layers, model, resetNames, setBackend, tf } from '@fnn/core';
import { churnDataset } from '@fnn/data';

beforeAll(async () => {
  await setBackend('wasm');
});

/** The lesson's two-input churn model (890 parameters), glorot-uniform kernels seeded from `seed`. */
function churnModel(seed: number) {
  let next = seed * 100;
  const dense = (units: number, activation: 'relu' | 'sigmoid' = 'relu') =>
    layers.dense({ units, activation, kernelInitializer: initializers.glorotUniform({ seed: next++ }) });
  const programmes = input({ shape: [10] });
  const demographics = input({ shape: [8] });
  const a = dense(10).apply(dense(15).apply(dense(10).apply(programmes)));
  const b = dense(8).apply(dense(8).apply(demographics));
  const h = dense(10).apply(dense(10).apply(concatenate([a, b])));
  return model({ inputs: [programmes, demographics], outputs: dense(1, 'sigmoid').apply(h) });
}

describe('churnDataset with the lesson churn model', () => {
  // Reference: the rule's Bayes rate on the held-out set is 0.92; tfjs-layers 4.22 with the same
  // architecture and settings reaches 0.87-0.88, so >= 0.85 leaves room for initialisation only.
  it('learns it to >= 85 % held-out accuracy (Adam, binary cross-entropy, 10 epochs, batch 32)', async () => {
    const train = churnDataset({ n: 4000, seed: 1 }).toTensors(tf);
    const test = churnDataset({ n: 1000, seed: 2 }).toTensors(tf);
    for (const seed of [1, 2]) {
      resetNames();
      const churn = churnModel(seed);
      expect(churn.countParams()).toBe(890); // the lesson's model.summary() total
      churn.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      await churn.fit([train.programmes, train.demographics], train.labels, {
        epochs: 10,
        batchSize: 32,
        seed,
        verbose: 0,
      });
      // Keras's binary accuracy: sigmoid output > 0.5 against the 0/1 labels.
      const [loss, accuracy] = churn.evaluate([test.programmes, test.demographics], test.labels) as tf.Tensor[];
      expect(accuracy!.dataSync()[0]).toBeGreaterThanOrEqual(0.85);
      tf.dispose([loss!, accuracy!]);
    }
    tf.dispose([train, test].flatMap((d) => [d.programmes, d.demographics, d.labels]));
  });
});
