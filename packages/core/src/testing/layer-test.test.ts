import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../tf.js';
import { setBackend } from '../backend.js';
import { Dense } from '../layers/dense.js';
import type { LayerGradients } from '../layers/layer.js';
import { runLayerTest } from './layer-test.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Dense whose input gradient is 5 % off: the harness must catch it. */
class WrongInputGradient extends Dense {
  override backward(dy: Tensor, saved: unknown, context: never, needs: boolean): LayerGradients {
    const g = super.backward(dy, saved, context, needs);
    return { inputs: [tf.mul(g.inputs[0]!, 1.05)], weights: g.weights };
  }
}

/** Dense whose kernel gradient is 10 % off. */
class WrongWeightGradient extends Dense {
  override backward(dy: Tensor, saved: unknown, context: never, needs: boolean): LayerGradients {
    const g = super.backward(dy, saved, context, needs);
    return { inputs: g.inputs, weights: [tf.mul(g.weights[0]!, 0.9), g.weights[1]!] };
  }
}

describe('runLayerTest', () => {
  it('reports a wrong input gradient, naming the entry and both values', () => {
    expect(() =>
      runLayerTest({ make: () => new WrongInputGradient({ units: 3, name: 'bad_in' }), inputShapes: [[2, 4]] }),
    ).toThrow(
      /^Dense bad_in: \d+ of \d+ gradient entries differ from finite differences[\s\S]*input 0\[\d+\]: finite difference -?[\d.]+, backward -?[\d.]+/,
    );
  });

  it('reports a wrong weight gradient', () => {
    expect(() =>
      runLayerTest({ make: () => new WrongWeightGradient({ units: 3, name: 'bad_w' }), inputShapes: [[2, 4]] }),
    ).toThrow(/weight bad_w\/kernel\[\d+\]/);
  });

  it('reports a wrong expected output or weight shape', () => {
    expect(() =>
      runLayerTest({
        make: () => new Dense({ units: 3, name: 'shape_a' }),
        inputShapes: [[2, 4]],
        expectedOutputShape: [null, 4],
        gradientCheck: false,
      }),
    ).toThrow('Dense shape_a: expected output shape (None, 4), but got (None, 3).');
    expect(() =>
      runLayerTest({
        make: () => new Dense({ units: 3, name: 'shape_b' }),
        inputShapes: [[2, 4]],
        expectedWeightShapes: [[4, 3]],
        gradientCheck: false,
      }),
    ).toThrow('Dense shape_b: expected weight shapes [[4,3]], but got [[4,3],[3]].');
  });

  it('passes a correct layer and counts the entries it checked', () => {
    const report = runLayerTest({
      make: () => new Dense({ units: 3, activation: 'tanh' }),
      inputShapes: [[2, 4]],
      gradientCheck: { maxChecks: 5 },
    });
    expect(report.gradientEntriesChecked).toBe(5 + 5 + 3);
    expect(report.worstGradientError).toBeLessThan(1e-2);
  });
});
