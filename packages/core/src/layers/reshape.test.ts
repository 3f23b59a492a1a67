import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { setBackend } from '../backend.js';
import { input } from './input-layer.js';
import { Reshape, reshape } from './reshape.js';
import { runLayerTest } from '../testing/layer-test.js';
import { compareWithReference } from '../testing/parity.js';
import { randomNormalTensor } from '../testing/compare.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('Reshape', () => {
  it('passes the layer test, with and without an inferred dimension', () => {
    runLayerTest({
      make: () => reshape({ targetShape: [4, 3, 1] }),
      inputShapes: [[2, 12]],
      expectedOutputShape: [null, 4, 3, 1],
      expectedWeightShapes: [],
      autodiffTolerance: 1e-6,
    });
    runLayerTest({
      make: () => reshape({ targetShape: [-1, 2] }),
      inputShapes: [[3, 2, 3]],
      expectedOutputShape: [null, 3, 2],
    });
  });

  it('matches tfjs-layers, as the lesson reshapes MNIST rows into images', () => {
    const x = randomNormalTensor([2, 784], 5);
    compareWithReference(
      reshape({ targetShape: [28, 28, 1] }),
      tfjs.layers.reshape({ targetShape: [28, 28, 1] }),
      [x],
      { tolerance: 0 },
    );
    compareWithReference(reshape({ targetShape: [-1, 28] }), tfjs.layers.reshape({ targetShape: [-1, 28] }), [x], {
      tolerance: 0,
    });
  });

  it('accepts the null tfjs-layers writes for an inferred dimension', () => {
    expect(new Reshape({ targetShape: [null, 4] as never }).targetShape).toEqual([-1, 4]);
  });

  it('names both sizes when the input does not fit', () => {
    expect(() => reshape({ targetShape: [5, 5], name: 'rs' }).apply(input({ shape: [24] }))).toThrow(
      'Reshape rs: cannot reshape input (None, 24) (24 values per sample) to targetShape [5, 5] (25 values).',
    );
    expect(() => reshape({ targetShape: [-1, 5], name: 'rs2' }).apply(input({ shape: [24] }))).toThrow(
      'Reshape rs2: cannot reshape input (None, 24) (24 values per sample) to targetShape [-1, 5] (a multiple of 5).',
    );
  });

  it('rejects two inferred dimensions or non-positive sizes', () => {
    expect(() => reshape({ targetShape: [-1, -1], name: 'rs3' })).toThrow(
      'Reshape rs3: expected targetShape to be a list of positive integers with at most one -1, but got [-1, -1].',
    );
    expect(() => reshape({ targetShape: [0, 3], name: 'rs4' })).toThrow('but got [0, 3].');
  });
});
