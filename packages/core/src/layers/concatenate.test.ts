import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { tf } from '../tf.js';
import { setBackend } from '../backend.js';
import { SymbolicTensor } from '../engine/symbolic-tensor.js';
import { input } from './input-layer.js';
import { Concatenate, concatenate } from './concatenate.js';
import { layers } from './index.js';
import { runLayerTest } from '../testing/layer-test.js';
import { compareWithReference } from '../testing/parity.js';
import { maxAbsDifference, randomNormalTensor } from '../testing/compare.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('Concatenate', () => {
  it('passes the layer test with two and three inputs, along the last and a middle axis', () => {
    runLayerTest({
      make: () => concatenate(),
      inputShapes: [
        [3, 4],
        [3, 2],
      ],
      expectedOutputShape: [null, 6],
      expectedWeightShapes: [],
      autodiffTolerance: 1e-6,
    });
    runLayerTest({
      make: () => concatenate({ axis: 1 }),
      inputShapes: [
        [2, 1, 3],
        [2, 4, 3],
        [2, 2, 3],
      ],
      expectedOutputShape: [null, 7, 3],
      autodiffTolerance: 1e-6,
    });
  });

  it('matches tfjs-layers', () => {
    const inputs = [randomNormalTensor([3, 4, 2], 1), randomNormalTensor([3, 4, 5], 2)];
    compareWithReference(concatenate(), tfjs.layers.concatenate(), inputs, { tolerance: 0 });
    const middle = [randomNormalTensor([3, 1, 2], 3), randomNormalTensor([3, 4, 2], 4)];
    compareWithReference(concatenate({ axis: 1 }), tfjs.layers.concatenate({ axis: 1 }), middle, { tolerance: 0 });
    // tfjs-layers treats every negative axis as -1; Keras counts from the end.
    const out = concatenate({ axis: -2 }).apply(middle);
    expect(maxAbsDifference(out, tf.concat(middle, 1))).toBe(0);
  });

  it('works as a function on symbolic tensors, as in the lesson (concatenate([out1, out2]))', () => {
    const a = input({ shape: [10] });
    const b = input({ shape: [8] });
    const merged = layers.concatenate([a, b]);
    expect(merged).toBeInstanceOf(SymbolicTensor);
    expect(merged.shape).toEqual([null, 18]);
    expect(merged.sourceLayer).toBeInstanceOf(Concatenate);
    expect(concatenate({ axis: -1 })).toBeInstanceOf(Concatenate);
  });

  it('works as a function on concrete tensors', () => {
    const out = concatenate([tf.tensor2d([[1, 2]]), tf.tensor2d([[3]])]);
    expect([...out.dataSync()]).toEqual([1, 2, 3]);
  });

  it('splits the gradient between the inputs', () => {
    const layer = concatenate();
    const { saved } = layer.call([tf.zeros([1, 2]), tf.zeros([1, 3])], { training: true } as never);
    const dy = tf.tensor2d([[1, 2, 3, 4, 5]]);
    const [da, db] = layer.backward(dy, saved, { training: true } as never, true).inputs;
    expect(maxAbsDifference(da!, tf.tensor2d([[1, 2]]))).toBe(0);
    expect(maxAbsDifference(db!, tf.tensor2d([[3, 4, 5]]))).toBe(0);
  });

  it('names all shapes when they do not match, and needs two inputs', () => {
    expect(() => concatenate([input({ shape: [3, 4] }), input({ shape: [2, 5] })], { name: 'cat_bad' })).toThrow(
      'Concatenate cat_bad: expected inputs whose shapes match except along axis -1, but got (None, 3, 4), (None, 2, 5).',
    );
    expect(() => concatenate({ name: 'cat_one' }).apply([input({ shape: [3] })])).toThrow(
      'Concatenate cat_one: expected at least 2 inputs, but got 1 ((None, 3)).',
    );
  });

  it('serializes like tfjs-layers', () => {
    expect(concatenate({ name: 'cat_cfg' }).getConfig()).toEqual({
      name: 'cat_cfg',
      trainable: true,
      dtype: 'float32',
      axis: -1,
    });
  });
});
