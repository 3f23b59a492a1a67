import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { tf } from '../tf.js';
import { setBackend } from '../backend.js';
import { SymbolicTensor } from '../engine/symbolic-tensor.js';
import { input } from './input-layer.js';
import { Add, add } from './add.js';
import { layers } from './index.js';
import { runLayerTest } from '../testing/layer-test.js';
import { compareWithReference, configKeysBesidesDtype } from '../testing/parity.js';
import { randomNormalTensor } from '../testing/compare.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('Add', () => {
  it('passes the layer test with two and three inputs', () => {
    runLayerTest({
      make: () => add(),
      inputShapes: [
        [3, 4],
        [3, 4],
      ],
      expectedOutputShape: [null, 4],
      expectedWeightShapes: [],
      autodiffTolerance: 1e-6,
    });
    runLayerTest({
      make: () => add(),
      inputShapes: [
        [2, 3, 2],
        [2, 3, 2],
        [2, 3, 2],
      ],
      expectedOutputShape: [null, 3, 2],
      autodiffTolerance: 1e-6,
    });
  });

  it('matches tfjs-layers', () => {
    const inputs = [1, 2, 3].map((s) => randomNormalTensor([4, 5], s));
    compareWithReference(add(), tfjs.layers.add(), inputs, { tolerance: 1e-6 });
  });

  it('works as a function on symbolic tensors, as in the lesson (add([out1, out2, out3]))', () => {
    const branches = [1, 2, 3].map(() => input({ shape: [10] }));
    const merged = layers.add(branches);
    expect(merged).toBeInstanceOf(SymbolicTensor);
    expect(merged.shape).toEqual([null, 10]);
    expect(merged.sourceLayer).toBeInstanceOf(Add);
    expect([...add([tf.tensor1d([1, 2]).reshape([1, 2]), tf.tensor2d([[10, 20]])]).dataSync()]).toEqual([11, 22]);
  });

  it('passes the gradient unchanged to every input', () => {
    const layer = add();
    const { saved } = layer.call([tf.zeros([1, 2]), tf.zeros([1, 2]), tf.zeros([1, 2])], { training: true } as never);
    const dy = tf.tensor2d([[1, 2]]);
    const g = layer.backward(dy, saved, { training: true } as never, true);
    expect(g.inputs).toHaveLength(3);
    for (const d of g.inputs) expect([...d.dataSync()]).toEqual([1, 2]);
  });

  it('names both shapes when they differ', () => {
    expect(() => add([input({ shape: [10] }), input({ shape: [20] })], { name: 'add_bad' })).toThrow(
      'Add add_bad: expected inputs of the same shape, but got (None, 10) and (None, 20).',
    );
  });

  it('serializes like tfjs-layers', () => {
    const ours = add({ name: 'add_cfg' }).getConfig();
    expect(configKeysBesidesDtype(ours)).toEqual(Object.keys(tfjs.layers.add({ name: 'add_cfg' }).getConfig()).sort());
  });
});
