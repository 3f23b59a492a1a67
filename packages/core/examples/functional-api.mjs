// The lesson's "Keras Funcional" part with @fnn/core: the wide MNIST model written with the
// functional API (activation inside Dense, then as its own layer), exercise 1, the two-input
// churn model and exercise 2 with `add`. Run it: `node packages/core/examples/functional-api.mjs`
// (after building @fnn/core).
import { pathToFileURL } from 'node:url';
import { ensureBackend, input, layers, model, resetNames, tf } from '@fnn/core';
import { churnDataset } from '@fnn/data';
import { churn, exercise1, exercise2 } from './lesson-models.mjs';

/**
 * Prints every model's summary through `print`, trains the churn model; returns the parameter
 * counts by model and the churn model's training results.
 */
export async function main(print = console.log) {
  await ensureBackend();
  const counts = {};
  const show = (title, m) => {
    print('');
    print(title);
    m.summary(undefined, undefined, print);
    counts[title] = m.countParams();
  };

  // visible = Input(shape=(784,)); hidden = Dense(250, activation='relu')(visible); ...
  resetNames();
  let visible = input({ shape: [784] });
  let hidden = layers.dense({ units: 250, activation: 'relu' }).apply(visible);
  let output = layers.dense({ units: 10, activation: 'softmax' }).apply(hidden);
  show('Wide model, functional API', model({ inputs: visible, outputs: output }));

  // The activation as its own layer, so something (e.g. BatchNormalization) can come before it.
  resetNames();
  visible = input({ shape: [784] });
  hidden = layers.dense({ units: 250 }).apply(visible);
  hidden = layers.activation({ activation: 'relu' }).apply(hidden);
  output = layers.dense({ units: 10, activation: 'softmax' }).apply(hidden);
  show('Wide model, activation as a layer', model({ inputs: visible, outputs: output }));

  // The builders in lesson-models.mjs hold the same code as the lesson's cells.
  resetNames();
  show('Exercise 1: 10 inputs, hidden 10-20-10 relu, 1 sigmoid', exercise1());

  resetNames();
  const churnModel = churn({ seed: 1 });
  show('Churn: two inputs (programmes, demographics), concatenated', churnModel);
  const churnResult = await trainChurn(churnModel, print);

  resetNames();
  const ex2 = exercise2();
  show('Exercise 2: three branches merged with add', ex2);
  print(
    `Exercise 2 has ${ex2.trainableWeights.reduce((n, w) => n + w.size, 0)} trainable parameters (the lesson counts 2275).`,
  );
  return { counts, churn: churnResult };
}

/**
 * The lesson's `model.fit([programmes, demographics], labels, epochs=10)` and
 * `model.predict([programmes_test, demographics_test])`, on generated subscribers.
 */
async function trainChurn(churnModel, print) {
  const train = churnDataset({ n: 1000, seed: 1 }).toTensors(tf);
  const test = churnDataset({ n: 500, seed: 2 }).toTensors(tf);
  churnModel.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const history = await churnModel.fit([train.programmes, train.demographics], train.labels, {
    epochs: 10,
    seed: 1,
    verbose: 0,
  });
  const preds = churnModel.predict([test.programmes, test.demographics]);
  const accuracy = tf
    .mean(tf.cast(tf.equal(tf.greater(preds, 0.5), tf.greater(test.labels, 0.5)), 'float32'))
    .dataSync()[0];
  const stayRate = 1 - tf.mean(test.labels).dataSync()[0];
  const loss = history.history.loss;
  print(
    `Churn model, 10 epochs on ${train.labels.shape[0]} subscribers: loss ${loss[0].toFixed(3)} -> ${loss.at(-1).toFixed(3)}; accuracy on ${test.labels.shape[0]} new subscribers ${(100 * accuracy).toFixed(1)} % (always predicting the majority class: ${(100 * Math.max(stayRate, 1 - stayRate)).toFixed(1)} %).`,
  );
  const result = { loss, accuracy, majorityRate: Math.max(stayRate, 1 - stayRate), predictionShape: preds.shape };
  tf.dispose([train, test, preds].flatMap((t) => (t instanceof tf.Tensor ? [t] : Object.values(t))));
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
