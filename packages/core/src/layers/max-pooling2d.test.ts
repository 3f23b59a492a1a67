import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { tf, type Tensor } from '../tf.js';
import { setBackend } from '../backend.js';
import { SeededRandom } from '../random.js';
import { input } from './input-layer.js';
import { maxPooling2d } from './max-pooling2d.js';
import { maxPoolGradient, tiledMaxPoolGradient } from '../engine/max-pool-backprop.js';
import { runLayerTest } from '../testing/layer-test.js';
import { compareWithReference, configKeysBesidesDtype } from '../testing/parity.js';
import { maxAbsDifference, randomNormalTensor } from '../testing/compare.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const CASES = [
  { poolSize: 2, strides: undefined, padding: 'valid', x: [2, 6, 6, 2], out: [null, 3, 3, 2] },
  { poolSize: 2, strides: undefined, padding: 'valid', x: [2, 5, 7, 1], out: [null, 2, 3, 1] },
  { poolSize: 3, strides: 2, padding: 'same', x: [1, 7, 6, 2], out: [null, 4, 3, 2] },
  { poolSize: [2, 3], strides: 1, padding: 'valid', x: [2, 4, 5, 2], out: [null, 3, 3, 2] },
  { poolSize: 2, strides: 2, padding: 'same', x: [1, 5, 5, 3], out: [null, 3, 3, 3] },
] as const;

describe('MaxPooling2D', () => {
  it.each(CASES)(
    'passes the layer test: pool $poolSize, strides $strides, $padding, input $x',
    ({ poolSize, strides, padding, x, out }) => {
      runLayerTest({
        make: () =>
          maxPooling2d({
            poolSize: poolSize as never,
            ...(strides !== undefined ? { strides: strides as never } : {}),
            padding,
          }),
        inputShapes: [[...x]],
        expectedOutputShape: [...out],
        expectedWeightShapes: [],
        autodiffTolerance: 1e-6,
      });
    },
  );

  it.each(CASES)(
    'matches tfjs-layers: pool $poolSize, strides $strides, $padding, input $x',
    ({ poolSize, strides, padding, x }) => {
      const args = {
        poolSize: poolSize as never,
        ...(strides !== undefined ? { strides: strides as never } : {}),
        padding,
      };
      compareWithReference(maxPooling2d(args), tfjs.layers.maxPooling2d(args), [randomNormalTensor([...x], 3)], {
        tolerance: 0,
      });
    },
  );

  it.each(CASES)(
    'op-built gradients (used on wasm) equal the cpu kernel, ties included: pool $poolSize, strides $strides, $padding',
    ({ poolSize, strides, padding, x: shape }) => {
      const pool = (typeof poolSize === 'number' ? [poolSize, poolSize] : poolSize) as [number, number];
      const stride = (strides === undefined ? pool : typeof strides === 'number' ? [strides, strides] : strides) as [
        number,
        number,
      ];
      // Rounded values make ties inside windows: the gradient must go to the first maximum only.
      for (const x of [randomNormalTensor([...shape], 6), tf.round(randomNormalTensor([...shape], 7, 0.6))]) {
        const y = tf.maxPool(x as tf.Tensor4D, pool, stride, padding);
        const dy = randomNormalTensor(y.shape, 8);
        const attrs = { filterSize: pool, strides: stride, pad: padding, dimRoundingMode: undefined };
        const reference = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, attrs as never) as Tensor;
        expect(
          maxAbsDifference(maxPoolGradient({ x, y, dy }, { poolSize: pool, strides: stride, padding }), reference),
        ).toBeLessThan(1e-6);
        if (stride[0] === pool[0] && stride[1] === pool[1] && padding === 'valid') {
          expect(maxAbsDifference(tiledMaxPoolGradient(x, y, dy, pool), reference)).toBe(0);
        }
      }
    },
  );

  it.each([
    { x: [2, 9, 9, 3], poolSize: 3, strides: 2, padding: 'same' },
    { x: [2, 8, 8, 32], poolSize: 2, strides: 2, padding: 'valid' },
    { x: [2, 7, 7, 5], poolSize: 2, strides: 2, padding: 'valid' },
    { x: [1, 8, 8, 3], poolSize: 2, strides: 2, padding: 'same' },
  ] as const)(
    'backward on wasm matches cpu (wasm MaxPoolGrad kernel is not used): input $x, pool $poolSize, $padding',
    async ({ x: shape, poolSize, strides, padding }) => {
      // Rounded inputs: ties within windows must go to the first maximum on both backends.
      const xv = tf
        .round(randomNormalTensor([...shape], 1, 2))
        .dataSync()
        .slice();
      const run = () => {
        const layer = maxPooling2d({ poolSize, strides, padding });
        const x = tf.tensor(xv, [...shape]);
        const ctx = { training: true, random: new SeededRandom(0) };
        const { output, saved } = layer.call([x], ctx);
        return layer.backward(tf.add(output, 0.5), saved, ctx, true).inputs[0]!.dataSync().slice();
      };
      const onCpu = run();
      await setBackend('wasm');
      try {
        expect(maxAbsDifference(run(), onCpu)).toBeLessThan(1e-6);
      } finally {
        await setBackend('cpu');
      }
    },
  );

  it('serializes like tfjs-layers, strides defaulting to poolSize', () => {
    const ours = maxPooling2d({ poolSize: 3, name: 'mp' }).getConfig();
    const theirs = tfjs.layers.maxPooling2d({ poolSize: 3, name: 'mp' }).getConfig();
    expect(configKeysBesidesDtype(ours)).toEqual(Object.keys(theirs).sort());
    expect(ours).toMatchObject({ poolSize: [3, 3], strides: [3, 3], padding: 'valid' });
  });

  it('rejects bad arguments and inputs, naming the layer, argument and value', () => {
    expect(() => maxPooling2d({ poolSize: 0, name: 'mp0' })).toThrow(
      'MaxPooling2D mp0: expected poolSize to be a positive integer or a pair of them, but got 0.',
    );
    expect(() => maxPooling2d({ strides: [2] as never, name: 'mp1' })).toThrow(
      'MaxPooling2D mp1: expected strides to be a positive integer or a pair of them, but got [2].',
    );
    expect(() => maxPooling2d({ padding: 'full' as never, name: 'mp2' })).toThrow(
      'MaxPooling2D mp2: expected padding to be one of valid, same, but got "full".',
    );
    expect(() => maxPooling2d({ name: 'mp3' }).apply(input({ shape: [28, 28] }))).toThrow(
      'MaxPooling2D mp3: expected a 4-D input (batch, height, width, channels), but got (None, 28, 28).',
    );
  });
});
