import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { tf, type Tensor } from '../tf.js';
import { setBackend } from '../backend.js';
import { SeededRandom } from '../random.js';
import { input } from './input-layer.js';
import { Conv2D, conv2d, convolution2d } from './conv2d.js';
import { maxPooling2d } from './max-pooling2d.js';
import { conv2dFilterGradient, type Conv2DPadding } from '../engine/conv2d-backprop-filter.js';
import { runLayerTest } from '../testing/layer-test.js';
import { compareWithReference, configKeysBesidesDtype } from '../testing/parity.js';
import { maxAbsDifference, randomNormalTensor } from '../testing/compare.js';

beforeAll(async () => {
  await setBackend('cpu');
});
afterAll(async () => {
  await setBackend('cpu');
});

const training = () => ({ training: true, random: new SeededRandom(0) });

describe('Conv2D', () => {
  it.each([
    { padding: 'valid', strides: 1, activation: 'linear', kernelSize: 3, out: [null, 3, 3, 3] },
    { padding: 'same', strides: 2, activation: 'relu', kernelSize: 3, out: [null, 3, 3, 3] },
    { padding: 'same', strides: 1, activation: 'tanh', kernelSize: [2, 3], out: [null, 5, 5, 3] },
    { padding: 'valid', strides: [2, 1], activation: 'sigmoid', kernelSize: [3, 2], out: [null, 2, 4, 3] },
  ] as const)(
    'passes the layer test: $padding, strides $strides, $activation, kernel $kernelSize',
    ({ padding, strides, activation, kernelSize, out }) => {
      const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
      runLayerTest({
        make: () =>
          conv2d({
            filters: 3,
            kernelSize: kernelSize as never,
            strides: strides as never,
            padding,
            activation,
            biasInitializer: 'randomNormal',
          }),
        inputShapes: [[2, 5, 5, 2]],
        expectedOutputShape: [...out],
        expectedWeightShapes: [[kh, kw, 2, 3], [3]],
        autodiffTolerance: 1e-4,
        gradientCheck: { maxChecks: 30 },
      });
    },
  );

  it.each([
    { padding: 'valid', strides: 1 },
    { padding: 'valid', strides: 2 },
    { padding: 'same', strides: 1 },
    { padding: 'same', strides: 2 },
  ] as const)('matches tfjs-layers forward ($padding, strides $strides)', ({ padding, strides }) => {
    const x = randomNormalTensor([2, 7, 6, 3], 8);
    const args = { filters: 4, kernelSize: 3, strides, padding, activation: 'relu' } as const;
    compareWithReference(conv2d({ ...args, biasInitializer: 'randomNormal' }), tfjs.layers.conv2d(args), [x]);
    compareWithReference(
      conv2d({ ...args, activation: 'softmax', biasInitializer: 'randomNormal' }),
      tfjs.layers.conv2d({ ...args, activation: 'softmax' }),
      [x],
    );
  });

  it('has Keras parameter counts and the lesson alias convolution2d', () => {
    const layer = convolution2d({ filters: 32, kernelSize: 3, activation: 'relu' });
    expect(layer).toBeInstanceOf(Conv2D);
    layer.apply(input({ shape: [28, 28, 1] }));
    expect(layer.countParams()).toBe(320);
  });

  it('serializes like tfjs-layers', () => {
    const ours = conv2d({ filters: 2, kernelSize: 3, name: 'c_cfg' }).getConfig();
    const theirs = tfjs.layers.conv2d({ filters: 2, kernelSize: 3, name: 'c_cfg' }).getConfig();
    expect(configKeysBesidesDtype(ours)).toEqual(Object.keys(theirs).sort());
    expect(ours).toMatchObject({
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'valid',
      dataFormat: 'channelsLast',
      dilationRate: [1, 1],
    });
  });

  it('rejects bad arguments and inputs, naming the layer, argument and value', () => {
    expect(() => conv2d({ filters: 0, kernelSize: 3, name: 'c0' })).toThrow(
      'Conv2D c0: expected filters to be a positive integer, but got 0.',
    );
    expect(() => conv2d({ filters: 2, kernelSize: [3, 3, 3] as never, name: 'c1' })).toThrow(
      'Conv2D c1: expected kernelSize to be a positive integer or a pair of them, but got [3, 3, 3].',
    );
    expect(() => conv2d({ filters: 2, kernelSize: 3, padding: 'causal' as never, name: 'c2' })).toThrow(
      'Conv2D c2: expected padding to be one of valid, same, but got "causal".',
    );
    expect(() => conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', name: 'c3' })).toThrow(
      `Conv2D c3: expected dataFormat 'channelsLast' (the only layout supported), but got "channelsFirst".`,
    );
    expect(() => conv2d({ filters: 2, kernelSize: 3, dilationRate: 2, name: 'c4' })).toThrow(
      'Conv2D c4: expected dilationRate 1 (dilation is not supported), but got 2.',
    );
    expect(() => conv2d({ filters: 2, kernelSize: 3, name: 'c5' }).apply(input({ shape: [784] }))).toThrow(
      'Conv2D c5: expected a 4-D input (batch, height, width, channels) with known channels, like (None, 28, 28, 1), but got (None, 784).',
    );
    expect(() => conv2d({ filters: 2, kernelSize: 5, name: 'c6' }).apply(input({ shape: [3, 3, 1] }))).toThrow(
      `Conv2D c6: input (None, 3, 3, 1) is smaller than kernelSize [5, 5] with padding 'valid'.`,
    );
  });
});

describe('conv2dFilterGradient (for wasm, which has no Conv2DBackpropFilter kernel)', () => {
  it.each([
    { x: [2, 6, 6, 3], f: [3, 3, 3, 4], strides: 1, pad: 'valid' },
    { x: [2, 7, 5, 2], f: [3, 2, 2, 3], strides: 2, pad: 'valid' },
    { x: [1, 7, 7, 2], f: [3, 3, 2, 2], strides: 2, pad: 'same' },
    { x: [2, 6, 5, 1], f: [2, 4, 1, 3], strides: [1, 2], pad: 'same' },
    { x: [1, 5, 5, 2], f: [3, 3, 2, 2], strides: 1, pad: 1 },
  ] as const)(
    'equals the cpu kernel: x $x, filter $f, strides $strides, pad $pad',
    ({ x: xShape, f, strides, pad }) => {
      const x = randomNormalTensor([...xShape], 1);
      const filter = randomNormalTensor([...f], 2) as tf.Tensor4D;
      const y = tf.conv2d(x as tf.Tensor4D, filter, strides as never, pad as never);
      const dy = randomNormalTensor(y.shape, 3);
      const attrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: f };
      const reference = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never) as Tensor;
      const ours = conv2dFilterGradient(x, dy, {
        filterShape: [...f] as [number, number, number, number],
        strides: strides as never,
        pad: pad as Conv2DPadding,
      });
      expect(maxAbsDifference(ours, reference)).toBeLessThan(1e-4);
    },
  );
});

describe('Conv2D + MaxPooling2D on wasm', () => {
  /** Forward and backward of conv(same, stride 1) -> maxpool -> conv(valid, stride 2) on the current backend. */
  function gradients(weights: Tensor[], x: Tensor): Float32Array[] {
    const c1 = conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' });
    const pool = maxPooling2d({ poolSize: 2 });
    const c2 = conv2d({ filters: 3, kernelSize: 3, strides: 2 });
    const s1 = input({ shape: x.shape.slice(1) });
    c2.apply(pool.apply(c1.apply(s1)));
    c1.setWeights(weights.slice(0, 2));
    c2.setWeights(weights.slice(2));
    return tf.tidy(() => {
      const r1 = c1.call([x], training());
      const r2 = pool.call([r1.output], training());
      const r3 = c2.call([r2.output], training());
      const g3 = c2.backward(tf.onesLike(r3.output), r3.saved, training(), true);
      const g2 = pool.backward(g3.inputs[0]!, r2.saved, training(), true);
      const g1 = c1.backward(g2.inputs[0]!, r1.saved, training(), true);
      return [r3.output, g1.inputs[0]!, ...g1.weights, ...g3.weights].map((t) => t.dataSync() as Float32Array);
    });
  }

  it('trains without a missing-kernel error and matches cpu within 1e-4', async () => {
    const x = randomNormalTensor([3, 10, 10, 2], 4);
    const weights = [
      randomNormalTensor([3, 3, 2, 4], 5, 0.4),
      randomNormalTensor([4], 6, 0.1),
      randomNormalTensor([3, 3, 4, 3], 7, 0.3),
      randomNormalTensor([3], 8, 0.1),
    ];
    const onCpu = gradients(weights, x);
    const values = [x, ...weights].map((t) => ({ data: t.dataSync().slice(), shape: t.shape }));
    await setBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const [wx, ...ww] = values.map((v) => tf.tensor(v.data, v.shape));
    const onWasm = gradients(ww, wx!);
    onCpu.forEach((expected, i) => {
      expect(maxAbsDifference(onWasm[i]!, expected)).toBeLessThan(1e-4);
    });
    await setBackend('cpu');
  });

  it.each([
    { padding: 'same', strides: 2, activation: 'tanh', x: [2, 9, 8, 3] },
    { padding: 'same', strides: 1, activation: 'relu', x: [2, 8, 8, 3] },
    { padding: 'valid', strides: 2, activation: 'linear', x: [2, 9, 9, 5] },
  ] as const)(
    'single Conv2D backward on wasm matches cpu: $padding, strides $strides, $activation',
    async ({ padding, strides, activation, x: shape }) => {
      const data = [
        randomNormalTensor([...shape], 11),
        randomNormalTensor([3, 3, shape[3], 4], 12, 0.3),
        randomNormalTensor([4], 13, 0.1),
      ].map((t) => ({ data: t.dataSync().slice(), shape: t.shape }));
      const run = () => {
        const [x, kernel, bias] = data.map((v) => tf.tensor(v.data, v.shape));
        const layer = conv2d({ filters: 4, kernelSize: 3, padding, strides, activation });
        layer.apply(x!);
        layer.setWeights([kernel!, bias!]);
        const { output, saved } = layer.call([x!], training());
        const g = layer.backward(tf.sin(output), saved, training(), true);
        return [output, ...g.inputs, ...g.weights].map((t) => t.dataSync().slice());
      };
      const onCpu = run();
      await setBackend('wasm');
      try {
        run().forEach((values, i) => {
          expect(maxAbsDifference(values, onCpu[i]!)).toBeLessThan(1e-4);
        });
      } finally {
        await setBackend('cpu');
      }
    },
  );

  it("makes tfjs's own conv2d gradient work on wasm (registered Conv2DBackpropFilter kernel)", async () => {
    const f = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.sum(tf.conv2d(x, w, 2, 'same'));
    const data = [randomNormalTensor([2, 6, 6, 3], 9), randomNormalTensor([3, 3, 3, 2], 10)].map((t) => ({
      data: t.dataSync().slice(),
      shape: t.shape,
    }));
    const run = () => {
      const [x, w] = data.map((v) => tf.tensor(v.data, v.shape) as tf.Tensor4D);
      return tf
        .grads(f)([x!, w!])
        .map((g) => g.dataSync().slice());
    };
    const onCpu = run();
    await setBackend('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const onWasm = run();
    await setBackend('cpu');
    onCpu.forEach((expected, i) => {
      expect(maxAbsDifference(onWasm[i]!, expected)).toBeLessThan(1e-4);
    });
  });
});
