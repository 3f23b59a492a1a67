import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { setBackend } from '../backend.js';
import { input } from './input-layer.js';
import { flatten } from './flatten.js';
import { runLayerTest } from '../testing/layer-test.js';
import { compareWithReference } from '../testing/parity.js';
import { randomNormalTensor } from '../testing/compare.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('Flatten', () => {
  it('passes the layer test', () => {
    runLayerTest({
      make: () => flatten(),
      inputShapes: [[2, 3, 4, 2]],
      expectedOutputShape: [null, 24],
      expectedWeightShapes: [],
      autodiffTolerance: 1e-6,
    });
  });

  it('matches tfjs-layers (row-major order)', () => {
    compareWithReference(flatten(), tfjs.layers.flatten(), [randomNormalTensor([3, 4, 5, 2], 1)], { tolerance: 0 });
  });

  it('needs every dimension after the batch axis, naming the shape', () => {
    expect(() => flatten({ name: 'fl' }).apply(input({ batchShape: [null, null, 3] }))).toThrow(
      'Flatten fl: expected an input whose dimensions after the batch axis are all known, like (None, 28, 28, 1), but got (None, None, 3).',
    );
  });

  it('serializes like tfjs-layers', () => {
    expect(flatten({ name: 'fl2' }).getConfig()).toEqual({ name: 'fl2', trainable: true, dtype: 'float32' });
  });
});
