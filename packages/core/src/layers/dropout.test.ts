import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { tf } from '../tf.js';
import { setBackend } from '../backend.js';
import { SeededRandom } from '../random.js';
import { dropout, fillDropoutMask } from './dropout.js';
import { runLayerTest } from '../testing/layer-test.js';
import { compareWithReference } from '../testing/parity.js';
import { maxAbsDifference, randomNormalTensor } from '../testing/compare.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const training = (seed: number) => ({ training: true, random: new SeededRandom(seed) });

describe('Dropout', () => {
  it('passes the layer test in training with a seeded mask (autodiff too)', () => {
    runLayerTest({
      make: () => dropout({ rate: 0.3 }),
      inputShapes: [[4, 6]],
      expectedOutputShape: [null, 6],
      expectedWeightShapes: [],
      autodiffTolerance: 1e-6,
    });
    runLayerTest({ make: () => dropout({ rate: 0.5, noiseShape: [null, 1, 3] }), inputShapes: [[2, 4, 3]] });
  });

  it('is the identity in inference, like tfjs-layers', () => {
    const x = randomNormalTensor([5, 7], 2);
    const layer = dropout({ rate: 0.4 });
    compareWithReference(layer, tfjs.layers.dropout({ rate: 0.4 }), [x], { tolerance: 0 });
    expect(layer.call([x], { training: false, random: new SeededRandom(1) }).output).toBe(x);
  });

  it('drops about rate of the entries and scales the rest by 1 / (1 - rate), as tfjs-layers does', () => {
    const x = tf.add(tf.abs(randomNormalTensor([200, 500], 3)), 0.1);
    const rate = 0.2;
    const ours = dropout({ rate }).call([x], training(7)).output.dataSync();
    const theirs = (tfjs.layers.dropout({ rate }).apply(x, { training: true }) as tf.Tensor).dataSync();
    const xs = x.dataSync();
    for (const [name, y] of [
      ['ours', ours],
      ['tfjs', theirs],
    ] as const) {
      let dropped = 0;
      let worst = 0;
      for (let i = 0; i < y.length; i++) {
        if (y[i] === 0) dropped++;
        else worst = Math.max(worst, Math.abs(y[i]! - xs[i]! / (1 - rate)));
      }
      // 100k Bernoulli(0.2) draws: standard deviation of the fraction is 0.0013.
      expect(Math.abs(dropped / y.length - rate), name).toBeLessThan(0.006);
      expect(worst, name).toBeLessThan(1e-5);
    }
  });

  it('reproduces the mask from the same seed and changes it with another', () => {
    const x = tf.ones([8, 50]);
    const a = dropout({ rate: 0.5 }).call([x], training(42)).output;
    const b = dropout({ rate: 0.5 }).call([x], training(42)).output;
    const c = dropout({ rate: 0.5 }).call([x], training(43)).output;
    expect(maxAbsDifference(a, b)).toBe(0);
    expect(maxAbsDifference(a, c)).toBe(2);
    // A layer seed makes the layer's own sequence, independent of the context's generator.
    const d = dropout({ rate: 0.5, seed: 5 }).call([x], training(1)).output;
    const e = dropout({ rate: 0.5, seed: 5 }).call([x], training(2)).output;
    expect(maxAbsDifference(d, e)).toBe(0);
  });

  it('fills masks from the SeededRandom (mulberry32) stream of the seed, one uint32 per entry', () => {
    const values = new Float32Array(1000);
    fillDropoutMask(values, 0.3, 77);
    const random = new SeededRandom(77);
    const threshold = Math.floor(0.3 * 4294967296);
    const expected = Float32Array.from(values, () => (random.nextUint32() >= threshold ? 1 / 0.7 : 0));
    expect(maxAbsDifference(values, expected)).toBe(0);
  });

  it('multiplies the gradient by the forward mask', () => {
    const x = tf.ones([6, 40]);
    const layer = dropout({ rate: 0.25 });
    const { output, saved } = layer.call([x], training(9));
    const dy = tf.fill([6, 40], 3);
    const dx = layer.backward(dy, saved, training(9), true).inputs[0]!;
    expect(maxAbsDifference(dx, tf.mul(output, 3))).toBe(0);
  });

  it('draws the same masks on wasm and cpu', async () => {
    const x = tf.ones([16, 64]);
    const cpu = dropout({ rate: 0.3 }).call([x], training(3)).output.dataSync().slice();
    await setBackend('wasm');
    try {
      const layer = dropout({ rate: 0.3 });
      const first = layer.call([tf.ones([16, 64])], training(3)).output;
      // The mask buffer is reused on wasm: an earlier mask must not change when the next is drawn.
      const firstValues = first.dataSync().slice();
      layer.call([tf.ones([16, 64])], training(4));
      expect(maxAbsDifference(first, firstValues)).toBe(0);
      expect(maxAbsDifference(firstValues, cpu)).toBe(0);
    } finally {
      await setBackend('cpu');
    }
  });

  it('rejects a rate outside [0, 1), naming the layer and the value', () => {
    expect(() => dropout({ rate: 1.5, name: 'dropout_x' })).toThrow(
      'Dropout dropout_x: expected rate in [0, 1), but got 1.5.',
    );
    expect(() => dropout({ rate: 1, name: 'dropout_y' })).toThrow(
      'Dropout dropout_y: expected rate in [0, 1), but got 1.',
    );
    expect(() => dropout({ rate: -0.1, name: 'dropout_z' })).toThrow('but got -0.1.');
    expect(() => dropout({ rate: '0.2' as never, name: 'dropout_s' })).toThrow('but got "0.2".');
  });

  it('serializes like tfjs-layers', () => {
    expect(dropout({ rate: 0.2, name: 'dr' }).getConfig()).toEqual({
      name: 'dr',
      trainable: true,
      dtype: 'float32',
      rate: 0.2,
      noiseShape: null,
      seed: null,
    });
  });
});
