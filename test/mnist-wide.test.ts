import { beforeAll, describe, expect, it } from 'vitest';
import { initializers, layers, resetNames, sequential, setBackend, tf, type Tensor } from '@fnn/core';
import { loadMnist } from '@fnn/data';

beforeAll(async () => {
  await setBackend('wasm');
});

describe("the lesson's wide model on real MNIST", () => {
  it('reaches at least 95 % validation accuracy after one epoch (batch 128, Adam, categorical cross-entropy)', async () => {
    const mnist = loadMnist(); // validation = the first 5,000 training images, as read_data_sets
    const train = mnist.train.toTensors(tf);
    const validation = mnist.validation.toTensors(tf);
    expect(train.x.shape).toEqual([55000, 784]);
    expect(validation.x.shape).toEqual([5000, 784]);

    resetNames();
    const model = sequential([
      layers.dense({
        units: 250,
        activation: 'relu',
        inputShape: [784],
        kernelInitializer: initializers.glorotUniform({ seed: 1 }),
      }),
      layers.dense({ units: 10, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: 2 }) }),
    ]);
    expect(model.countParams()).toBe(198760);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const before = tf.memory().numTensors;
    const history = await model.fit(train.x, train.y, {
      epochs: 1,
      batchSize: 128,
      validationData: [validation.x, validation.y],
      seed: 3,
      verbose: 0,
    });
    expect(tf.memory().numTensors).toBe(before);

    expect(Object.keys(history.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    const valAccuracy = history.history.val_accuracy![0]!;
    expect(valAccuracy).toBeGreaterThanOrEqual(0.95);
    // Keras reaches about 0.96-0.97 after one epoch; a loss well below ln(10) = 2.30 shows learning.
    expect(history.history.val_loss![0]).toBeLessThan(0.2);

    const test = mnist.test.toTensors(tf);
    const [testLoss, testAccuracy] = model.evaluate(test.x, test.y, { batchSize: 1000 }) as Tensor[];
    expect(testAccuracy!.dataSync()[0]).toBeGreaterThanOrEqual(0.95);
    tf.dispose([train.x, train.y, validation.x, validation.y, test.x, test.y, testLoss!, testAccuracy!]);
    model.dispose();
  });
});
