// The lesson's "Keras Funcional" part with @fnn/core: the wide MNIST model written with the
// functional API (activation inside Dense, then as its own layer), exercise 1, the two-input
// churn model and exercise 2 with `add`. Run it: `node packages/core/examples/functional-api.mjs`
// (after building @fnn/core).
import { pathToFileURL } from 'node:url';
import { ensureBackend, input, layers, model, resetNames } from '@fnn/core';
import { churn, exercise1, exercise2 } from './lesson-models.mjs';

/** Prints every model's summary through `print`; returns the parameter counts by model. */
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
  const churnModel = churn();
  show('Churn: two inputs (programmes, demographics), concatenated', churnModel);
  // TRAINING SPOT (lesson: model.fit([programmes, demographics], labels, epochs=10), then
  // model.predict([programmes_test, demographics_test])): to be added here with churnDataset
  // from @fnn/data once model.fit lands in @fnn/core (src/training/fit.ts).

  resetNames();
  const ex2 = exercise2();
  show('Exercise 2: three branches merged with add', ex2);
  print(`Exercise 2 has ${ex2.trainableWeights.reduce((n, w) => n + w.size, 0)} trainable parameters (the lesson counts 2275).`);
  return counts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
