import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { setBackend } from '../backend.js';
import { ACTIVATION_NAMES } from '../activations.js';
import { activation } from './activation-layer.js';
import { runLayerTest } from '../testing/layer-test.js';
import { compareWithReference } from '../testing/parity.js';
import { randomNormalTensor } from '../testing/compare.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('Activation', () => {
  it.each(ACTIVATION_NAMES)('%s passes the layer test (finite differences and autodiff)', (name) => {
    runLayerTest({
      make: () => activation({ activation: name }),
      inputShapes: [[3, 5]],
      expectedOutputShape: [null, 5],
      expectedWeightShapes: [],
      autodiffTolerance: 1e-5,
    });
  });

  it.each(ACTIVATION_NAMES)('%s matches tfjs-layers', (name) => {
    const x = randomNormalTensor([4, 2, 6], 11, 2);
    compareWithReference(activation({ activation: name }), tfjs.layers.activation({ activation: name }), [x]);
  });

  it('serializes like tfjs-layers', () => {
    const config = activation({ activation: 'relu', name: 'act' }).getConfig();
    expect(config).toEqual({ name: 'act', trainable: true, dtype: 'float32', activation: 'relu' });
  });

  it('rejects an unknown activation, listing the valid ones', () => {
    expect(() => activation({ activation: 'leakyRelu' as never, name: 'act_bad' })).toThrow(
      'Activation act_bad: unknown activation "leakyRelu"; expected one of linear, relu, softmax, sigmoid, tanh, elu, selu, softplus.',
    );
  });
});
