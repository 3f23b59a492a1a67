import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { tf, type Tensor } from '../tf.js';
import { setBackend } from '../backend.js';
import { resetNames } from '../naming.js';
import { layers } from '../layers/index.js';
import { input } from '../layers/input-layer.js';
import { concatenate } from '../layers/concatenate.js';
import { sequential } from '../models/sequential.js';
import { model as functionalModel, type LayersModel } from '../models/model.js';
import { initializers } from '../initializers/index.js';
import { maxAbsDifference, randomNormalTensor } from '../testing/compare.js';
import { optimizers } from './optimizers/index.js';
import { Callback } from './callbacks/callback.js';
import type { Logs } from './train-step.js';

beforeAll(async () => {
  await setBackend('wasm');
});

/** 4 features → 3 classes, labels from a fixed linear rule (learnable). */
function classification(samples: number, seed: number): { x: Tensor; y: Tensor } {
  const x = randomNormalTensor([samples, 4], seed);
  const y = tf.tidy(() => {
    const w = tf.tensor2d([
      [1, -1, 0.5],
      [0.5, 1, -1],
      [-1, 0.5, 1],
      [0.2, 0.2, -0.4],
    ]);
    return tf.cast(tf.oneHot(tf.argMax(tf.matMul(x, w), 1), 3), 'float32');
  });
  return { x, y };
}

function smallModel(seed = 1, dropout = 0): LayersModel {
  resetNames();
  return sequential([
    layers.dense({
      units: 8,
      activation: 'relu',
      inputShape: [4],
      kernelInitializer: initializers.glorotUniform({ seed }),
    }),
    ...(dropout > 0 ? [layers.dropout({ rate: dropout })] : []),
    layers.dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: initializers.glorotUniform({ seed: seed + 1 }),
    }),
  ]);
}

function weightsOf(m: LayersModel): Float32Array[] {
  return m.weights.map((w) => Float32Array.from(w.read().dataSync()));
}

describe('fit', () => {
  it('matches tfjs-layers model.fit (SGD, 3 epochs of batches 4, 4, 2): weights within 1e-5, history within 1e-5', async () => {
    const { x, y } = classification(10, 3);
    const ours = smallModel();
    ours.compile({
      optimizer: optimizers.sgd({ learningRate: 0.1 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const theirs = tfjs.sequential({
      layers: [
        tfjs.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
        tfjs.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    theirs.compile({ optimizer: tfjs.train.sgd(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const initial = ours.getWeights();
    theirs.setWeights(initial);
    tf.dispose(initial);
    const h = await ours.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    const expected = await theirs.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(Object.keys(h.history)).toEqual(['loss', 'accuracy']);
    expect(maxAbsDifference(h.history.loss!, expected.history.loss as number[])).toBeLessThan(1e-5);
    expect(maxAbsDifference(h.history.accuracy!, expected.history.acc as number[])).toBeLessThan(1e-6);
    const a = ours.getWeights();
    theirs.getWeights().forEach((w, i) => {
      expect(maxAbsDifference(a[i]!, w)).toBeLessThan(1e-5);
    });
    tf.dispose([x, y, ...a]);
    ours.dispose();
    theirs.dispose();
  });

  it('logs Keras key names, includes the last partial batch, and epoch logs are sample-weighted batch means', async () => {
    const { x, y } = classification(10, 4);
    const m = smallModel();
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const batches: { size: number; logs: Logs }[] = [];
    const h = await m.fit(x, y, {
      epochs: 1,
      batchSize: 4,
      validationData: [x, y],
      verbose: 0,
      callbacks: {
        onBatchEnd: (batch, logs) => {
          batches.push({ size: batch < 2 ? 4 : 2, logs: { ...logs! } });
        },
      },
    });
    expect(Object.keys(h.history)).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy']);
    expect(batches.length).toBe(3);
    // Batch logs are running means; the epoch's is the last one, i.e. the mean over all 10 samples.
    expect(h.history.loss![0]).toBe(batches[2]!.logs.loss);
    expect(h.history.accuracy![0]! * 10).toBeCloseTo(Math.round(h.history.accuracy![0]! * 10), 5);
    // val_* are the final weights' evaluation.
    const [valLoss, valAccuracy] = m.evaluate(x, y) as Tensor[];
    expect(h.history.val_loss![0]).toBeCloseTo(valLoss!.dataSync()[0]!, 6);
    expect(h.history.val_accuracy![0]).toBeCloseTo(valAccuracy!.dataSync()[0]!, 6);
    tf.dispose([x, y, valLoss!, valAccuracy!]);
    m.dispose();
  });

  it('validationSplit takes the last fraction of the samples, before shuffling', async () => {
    const { x, y } = classification(20, 5);
    const m = smallModel();
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    let samples = 0;
    const h = await m.fit(x, y, {
      epochs: 2,
      batchSize: 8,
      validationSplit: 0.25,
      verbose: 0,
      callbacks: new (class extends Callback {
        onTrainBegin() {
          samples = this.params!.samples;
        }
      })(),
    });
    expect(samples).toBe(15);
    const lastFive = m.evaluate(tf.slice(x, 15, 5), tf.slice(y, 15, 5)) as Tensor;
    expect(h.history.val_loss![1]).toBeCloseTo(lastFive.dataSync()[0]!, 6);
    tf.dispose([x, y, lastFive]);
    m.dispose();
  });

  it('is reproducible: the same seed gives bit-identical weights (shuffle and dropout), another seed does not', async () => {
    const { x, y } = classification(50, 6);
    const run = async (seed: number) => {
      const m = smallModel(1, 0.3);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      await m.fit(x, y, { epochs: 2, batchSize: 16, seed, verbose: 0 });
      const w = weightsOf(m);
      m.dispose();
      return w;
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(a).toEqual(b);
    expect(maxAbsDifference(a[0]!, c[0]!)).toBeGreaterThan(1e-6);
    tf.dispose([x, y]);
  });

  it('leaves no tensors behind: fit (with validation), evaluate and predict', async () => {
    const { x, y } = classification(30, 7);
    const m = smallModel(1, 0.2);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const before = tf.memory().numTensors;
    await m.fit(x, y, { epochs: 2, batchSize: 8, validationSplit: 0.2, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    await m.fit(x, y, { epochs: 1, batchSize: 7, validationData: [x, y], shuffle: false, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(m.evaluate(x, y, { batchSize: 7 }));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(m.predict(x, { batchSize: 7 }));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('stops on a NaN loss with an error naming the epoch and batch, keeping the last finite weights', async () => {
    const { x, y } = classification(12, 8);
    const values = x.arraySync() as number[][];
    values[9]![2] = NaN; // in the third batch of 4 (no shuffling)
    const bad = tf.tensor2d(values);
    resetNames();
    // No relu before the softmax: relu would turn the NaN into 0.
    const m = sequential([layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })]);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await expect(m.fit(bad, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 })).rejects.toThrow(
      `fit (model ${m.name}): the loss became NaN at epoch 1/2, batch 3/3; training stopped. Lower the learning rate, or check the data for NaN or infinite values.`,
    );
    expect(weightsOf(m).every((w) => w.every(Number.isFinite))).toBe(true);
    tf.dispose([x, y, bad]);
    m.dispose();
  });

  it('rejects bad input with the values received', async () => {
    const { x, y } = classification(10, 9);
    const m = smallModel();
    await expect(m.fit(x, y)).rejects.toThrow(
      `fit: model ${m.name} must be compiled first: call model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy']}).`,
    );
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const owner = `fit (model ${m.name})`;
    const y9 = tf.slice(y, 0, 9);
    await expect(m.fit(x, y9, { verbose: 0 })).rejects.toThrow(
      `${owner}: x and y must have the same number of samples, but got x sizes: 10 and y sizes: 9.`,
    );
    const wide = tf.zeros([10, 5]);
    await expect(m.fit(wide, y, { verbose: 0 })).rejects.toThrow(
      `${owner}: expected input dense_1_input to have shape (None, 4), but got x with shape (10, 5).`,
    );
    const indices = tf.tensor2d([[0], [1], [2], [0], [1], [2], [0], [1], [2], [0]]);
    await expect(m.fit(x, indices, { verbose: 0 })).rejects.toThrow(
      `${owner}: categorical_crossentropy expects one-hot labels of shape (10, 3) (the model's output), but got targets of shape (10, 1); for class indices use sparse_categorical_crossentropy.`,
    );
    const twos = tf.mul(y, 2);
    await expect(m.fit(x, twos, { verbose: 0 })).rejects.toThrow(
      `${owner}: categorical_crossentropy expects one-hot (or probability) label rows that sum to 1, but row 0 of the targets is`,
    );
    await expect(m.fit(x, y, { batchSize: 0, verbose: 0 })).rejects.toThrow(
      `${owner}: expected batchSize to be a positive integer, but got 0.`,
    );
    await expect(m.fit(x, y, { batchSize: -32, verbose: 0 })).rejects.toThrow(
      `${owner}: expected batchSize to be a positive integer, but got -32.`,
    );
    expect(() => m.evaluate(x, y, { batchSize: 2.5 })).toThrow(
      `evaluate (model ${m.name}): expected batchSize to be a positive integer, but got 2.5.`,
    );
    expect(() => m.predict(wide)).toThrow(
      `predict (model ${m.name}): expected input dense_1_input to have shape (None, 4), but got x with shape (10, 5).`,
    );
    tf.dispose([x, y, y9, wide, indices, twos]);
    m.dispose();
  });
});

describe('evaluate and predict', () => {
  it('evaluate returns [loss, accuracy] equal to tfjs-layers evaluate, whatever the batch size', async () => {
    const { x, y } = classification(23, 10);
    const m = smallModel();
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const theirs = tfjs.sequential({
      layers: [
        tfjs.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
        tfjs.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    theirs.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const w = m.getWeights();
    theirs.setWeights(w);
    const expected = theirs.evaluate(x, y, { batchSize: 5 }) as Tensor[];
    for (const batchSize of [5, 23, 64]) {
      const got = m.evaluate(x, y, { batchSize }) as Tensor[];
      expect(maxAbsDifference(got[0]!, expected[0]!)).toBeLessThan(1e-6);
      expect(maxAbsDifference(got[1]!, expected[1]!)).toBeLessThan(1e-6);
      tf.dispose(got);
    }
    tf.dispose([x, y, ...w, ...expected]);
    m.dispose();
    theirs.dispose();
  });

  it('predict is batched, in inference mode (no dropout), and equal to one forward pass', () => {
    const m = smallModel(3, 0.5);
    const x = randomNormalTensor([37, 4], 11);
    const whole = m.predict(x, { batchSize: 64 }) as Tensor;
    const batched = m.predict(x, { batchSize: 8 }) as Tensor;
    const again = m.predict(x) as Tensor;
    expect(whole.shape).toEqual([37, 3]);
    expect(maxAbsDifference(whole, batched)).toBeLessThan(1e-6);
    expect(maxAbsDifference(whole, again)).toBe(0);
    tf.dispose([x, whole, batched, again]);
    m.dispose();
  });
});

describe('several inputs and outputs', () => {
  it('fits a two-input model (x as an array) and logs per-output keys for two outputs', async () => {
    resetNames();
    const a = input({ shape: [3] });
    const b = input({ shape: [2] });
    const merged = concatenate([
      layers.dense({ units: 4, activation: 'relu' }).apply(a),
      layers.dense({ units: 4, activation: 'relu' }).apply(b),
    ]);
    const out1 = layers.dense({ units: 1, activation: 'sigmoid', name: 'cancel' }).apply(merged);
    const out2 = layers.dense({ units: 2, name: 'score' }).apply(merged);
    const m = functionalModel({ inputs: [a, b], outputs: [out1, out2] });
    m.compile({ optimizer: 'adam', loss: ['binaryCrossentropy', 'meanSquaredError'], metrics: ['accuracy'] });
    const xa = randomNormalTensor([9, 3], 12);
    const xb = randomNormalTensor([9, 2], 13);
    const y1 = tf.tidy(() => tf.cast(tf.greater(tf.slice(xa, [0, 0], [9, 1]), 0), 'float32'));
    const y2 = randomNormalTensor([9, 2], 14);
    const h = await m.fit([xa, xb], [y1, y2], { epochs: 2, batchSize: 4, verbose: 0 });
    expect(Object.keys(h.history)).toEqual(['loss', 'cancel_loss', 'score_loss', 'cancel_accuracy', 'score_accuracy']);
    // The total loss is the sum of the output losses (Keras loss weights 1).
    expect(h.history.loss![1]).toBeCloseTo(h.history.cancel_loss![1]! + h.history.score_loss![1]!, 5);
    const predictions = m.predict([xa, xb]) as Tensor[];
    expect(predictions.map((p) => p.shape)).toEqual([
      [9, 1],
      [9, 2],
    ]);
    tf.dispose([xa, xb, y1, y2, ...predictions]);
    m.dispose();
  });
});

describe('convolutional models', () => {
  it('train on wasm (Conv2D + MaxPooling2D, whose filter gradient wasm lacks): 2 SGD steps match tfjs-layers on cpu within 1e-4', async () => {
    resetNames();
    const ours = sequential([
      layers.conv2d({
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        inputShape: [6, 6, 1],
        kernelInitializer: initializers.glorotUniform({ seed: 3 }),
      }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 2, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: 4 }) }),
    ]);
    ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: 'categoricalCrossentropy' });
    const xValues = randomNormalTensor([8, 6, 6, 1], 15);
    const yValues = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 0],
      [1, 0],
      [0, 1],
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
    const initial = ours.getWeights().map((w) => ({ values: w.dataSync().slice(), shape: w.shape }));
    await ours.fit(xValues, yValues, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    const trained = ours.getWeights().map((w) => w.dataSync().slice());
    ours.dispose();
    const xData = { values: xValues.dataSync().slice(), shape: xValues.shape };
    const yData = { values: yValues.dataSync().slice(), shape: yValues.shape };
    tf.dispose([xValues, yValues]);

    // The reference runs on cpu, where tfjs has every gradient kernel.
    await setBackend('cpu');
    try {
      const theirs = tfjs.sequential({
        layers: [
          tfjs.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [6, 6, 1] }),
          tfjs.layers.maxPooling2d({ poolSize: 2 }),
          tfjs.layers.flatten(),
          tfjs.layers.dense({ units: 2, activation: 'softmax' }),
        ],
      });
      theirs.compile({ optimizer: tfjs.train.sgd(0.5), loss: 'categoricalCrossentropy' });
      theirs.setWeights(initial.map((w) => tf.tensor(w.values, w.shape)));
      const x = tf.tensor(xData.values, xData.shape);
      const y = tf.tensor(yData.values, yData.shape);
      await theirs.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      const expected = theirs.getWeights();
      expected.forEach((w, i) => {
        expect(maxAbsDifference(trained[i]!, w.dataSync()), `weight ${i}`).toBeLessThan(1e-4);
      });
      expect(maxAbsDifference(trained[0]!, initial[0]!.values)).toBeGreaterThan(1e-3);
      tf.dispose([x, y]);
      theirs.dispose();
    } finally {
      await setBackend('wasm');
    }
  });
});

describe('batch normalization in fit', () => {
  it('trains with batch statistics and updates the moving statistics as tfjs-layers does (2 SGD steps, 1e-5)', async () => {
    resetNames();
    const ours = sequential([
      layers.dense({ units: 4, inputShape: [3], kernelInitializer: initializers.glorotUniform({ seed: 8 }) }),
      layers.batchNormalization(),
      layers.activation({ activation: 'relu' }),
      layers.dense({ units: 2, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: 9 }) }),
    ]);
    ours.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
    const theirs = tfjs.sequential({
      layers: [
        tfjs.layers.dense({ units: 4, inputShape: [3] }),
        tfjs.layers.batchNormalization(),
        tfjs.layers.activation({ activation: 'relu' }),
        tfjs.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    theirs.compile({ optimizer: tfjs.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const initial = ours.getWeights();
    // Ours (as Keras) lists weights layer by layer; tfjs-layers lists all trainable ones first.
    const tfjsOrder = [0, 1, 2, 3, 6, 7, 4, 5];
    theirs.setWeights(tfjsOrder.map((i) => initial[i]!));
    const x = randomNormalTensor([6, 3], 16);
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 0],
      [0, 1],
      [0, 1],
      [1, 0],
    ]);
    await ours.fit(x, y, { epochs: 2, batchSize: 6, shuffle: false, verbose: 0 });
    await theirs.fit(x, y, { epochs: 2, batchSize: 6, shuffle: false, verbose: 0 });
    const a = ours.getWeights();
    const b = theirs.getWeights();
    // Keras order: kernel, bias, gamma, beta, moving mean, moving variance, kernel, bias.
    expect(a.length).toBe(8);
    tfjsOrder.forEach((i, k) => {
      expect(maxAbsDifference(a[i]!, b[k]!), `weight ${ours.weights[i]!.name}`).toBeLessThan(1e-5);
    });
    expect(maxAbsDifference(a[4]!, initial[4]!)).toBeGreaterThan(1e-4); // the moving mean moved
    const pa = ours.predict(x) as Tensor;
    const pb = theirs.predict(x) as Tensor;
    expect(maxAbsDifference(pa, pb)).toBeLessThan(1e-5); // inference uses the moving statistics
    tf.dispose([x, y, pa, pb, ...a, ...initial]);
    ours.dispose();
    theirs.dispose();
  });
});
