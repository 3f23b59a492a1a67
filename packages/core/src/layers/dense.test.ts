import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { setBackend } from '../backend.js';
import { input } from './input-layer.js';
import { Dense, dense } from './dense.js';
import { runLayerTest } from '../testing/layer-test.js';
import { compareWithReference, configKeysBesidesDtype } from '../testing/parity.js';
import { randomNormalTensor } from '../testing/compare.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('Dense', () => {
  it.each(['linear', 'relu', 'softmax', 'sigmoid', 'tanh'] as const)(
    'passes the layer test with activation %s',
    (activation) => {
      const report = runLayerTest({
        make: () => dense({ units: 3, activation, biasInitializer: 'randomNormal' }),
        inputShapes: [[4, 5]],
        expectedOutputShape: [null, 3],
        expectedWeightShapes: [[5, 3], [3]],
        expectedTrainableWeights: 2,
        autodiffTolerance: 1e-4,
      });
      expect(report.gradientEntriesChecked).toBe(4 * 5 + 15 + 3);
    },
  );

  it('passes the layer test on rank-3 inputs, without bias', () => {
    runLayerTest({
      make: () => dense({ units: 2, useBias: false }),
      inputShapes: [[2, 3, 4]],
      expectedOutputShape: [null, 3, 2],
      expectedWeightShapes: [[4, 2]],
    });
  });

  it.each(['linear', 'relu', 'softmax', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus'] as const)(
    'matches tfjs-layers forward with activation %s',
    (activation) => {
      const x = randomNormalTensor([6, 5], 3);
      const ours = dense({ units: 4, activation, biasInitializer: 'randomNormal' });
      compareWithReference(ours, tfjs.layers.dense({ units: 4, activation }), [x]);
    },
  );

  it('has Keras parameter counts', () => {
    const layer = dense({ units: 250 });
    layer.apply(input({ shape: [784] }));
    expect(layer.countParams()).toBe(196250);
  });

  it('rejects non-positive and fractional units, naming the layer and value', () => {
    expect(() => dense({ units: 0, name: 'd0' })).toThrow(
      'Dense d0: expected units to be a positive integer, but got 0.',
    );
    expect(() => dense({ units: -3, name: 'd1' })).toThrow('but got -3.');
    expect(() => dense({ units: 10.9, name: 'd2' })).toThrow('but got 10.9.');
  });

  it('rejects unknown activation and initializer names, listing the valid ones', () => {
    expect(() => dense({ units: 2, activation: 'rleu' as never, name: 'd3' })).toThrow(
      'Dense d3: unknown activation "rleu"; expected one of linear, relu, softmax, sigmoid, tanh, elu, selu, softplus.',
    );
    expect(() => dense({ units: 2, kernelInitializer: 'glorot', name: 'd4' })).toThrow(
      /Dense d4: unknown initializer "glorot"; expected one of glorotUniform, .*heNormal/,
    );
  });

  it('names both shapes when applied to an incompatible input', () => {
    const layer = dense({ units: 2, name: 'd5' });
    layer.apply(input({ shape: [4] }));
    expect(() => layer.apply(input({ shape: [5] }))).toThrow(
      'Layer d5 (Dense): incompatible input shape: expected (None, 4), but got (None, 5).',
    );
  });

  it('has a config that matches tfjs-layers keys', () => {
    const ours = new Dense({ units: 3, activation: 'relu', name: 'cfg' }).getConfig();
    const theirs = tfjs.layers.dense({ units: 3, activation: 'relu', name: 'cfg' }).getConfig();
    // tfjs-layers leaves out dtype when it was not given; Keras always writes it.
    expect(configKeysBesidesDtype(ours)).toEqual(Object.keys(theirs).sort());
    expect(ours).toMatchObject({
      units: 3,
      activation: 'relu',
      useBias: true,
      kernelInitializer: { class_name: 'GlorotUniform' },
    });
  });
});
