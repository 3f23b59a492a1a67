import { beforeAll, describe, expect, it } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import { tf, type Tensor } from '../tf.js';
import { setBackend } from '../backend.js';
import { SeededRandom } from '../random.js';
import type { CallContext } from '../engine/context.js';
import { input } from './input-layer.js';
import { BatchNormalization, batchNormalization } from './batch-normalization.js';
import { runLayerTest } from '../testing/layer-test.js';
import { compareWithReference, configKeysBesidesDtype } from '../testing/parity.js';
import { maxAbsDifference, randomNormalTensor } from '../testing/compare.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Non-trivial gamma, beta, moving mean and moving variance (> 0) for a layer with `features` features. */
function setRandomWeights(layer: BatchNormalization, features: number, seed: number): void {
  const weights = layer.weights.map((w, i) => {
    const values = randomNormalTensor([features], seed + i, 0.5);
    return w.name.endsWith('moving_variance') || w.name.endsWith('gamma') ? tf.add(tf.abs(values), 0.5) : values;
  });
  layer.setWeights(weights);
}

const training = (): CallContext => ({ training: true, random: new SeededRandom(0) });

describe('BatchNormalization', () => {
  it.each([
    { name: '2-D, axis -1', shape: [6, 4], axis: -1, weights: [[4], [4], [4], [4]] },
    { name: '4-D, axis -1', shape: [2, 3, 3, 2], axis: -1, weights: [[2], [2], [2], [2]] },
    { name: '4-D, axis 1', shape: [3, 2, 2, 3], axis: 1, weights: [[2], [2], [2], [2]] },
  ])(
    'passes the layer test in training mode ($name), against finite differences and autodiff',
    ({ shape, axis, weights }) => {
      runLayerTest({
        make: () => {
          const layer = batchNormalization({ axis, betaInitializer: 'randomNormal', gammaInitializer: 'heUniform' });
          return layer;
        },
        inputShapes: [shape],
        expectedWeightShapes: weights,
        expectedTrainableWeights: 2,
        autodiffTolerance: 1e-4,
        gradientCheck: { epsilon: 1e-2, rtol: 2e-2, atol: 2e-3 },
      });
    },
  );

  it('passes the layer test in inference mode, and with center and scale off', () => {
    runLayerTest({
      make: () => batchNormalization({ movingVarianceInitializer: 'ones', gammaInitializer: 'heUniform' }),
      inputShapes: [[4, 3]],
      context: () => ({ training: false, random: new SeededRandom(0) }),
      autodiffTolerance: 1e-5,
    });
    runLayerTest({
      make: () => batchNormalization({ center: false, scale: false }),
      inputShapes: [[5, 3]],
      expectedWeightShapes: [[3], [3]],
      expectedTrainableWeights: 0,
      gradientCheck: { epsilon: 1e-2, rtol: 2e-2, atol: 2e-3 },
    });
  });

  it('has Keras parameter counts: 4 per feature, half of them non-trainable', () => {
    const layer = batchNormalization({ name: 'bn_count' });
    layer.apply(input({ shape: [500] }));
    expect(layer.countParams()).toBe(2000);
    expect(layer.trainableWeights.map((w) => w.name)).toEqual(['bn_count/gamma', 'bn_count/beta']);
    expect(layer.nonTrainableWeights.map((w) => w.name)).toEqual(['bn_count/moving_mean', 'bn_count/moving_variance']);
  });

  it.each([
    { shape: [7, 5], axis: -1 },
    { shape: [2, 3, 4, 3], axis: -1 },
  ])(
    'matches tfjs-layers in inference and training (output and moving statistics), shape $shape axis $axis',
    ({ shape, axis }) => {
      const x = tf.add(randomNormalTensor(shape, 17, 2), 1);
      for (const isTraining of [false, true]) {
        const ours = batchNormalization({ axis, momentum: 0.9 });
        const features = shape[axis < 0 ? shape.length + axis : axis]!;
        ours.apply(x);
        setRandomWeights(ours, features, 3);
        const result = compareWithReference(ours, tfjs.layers.batchNormalization({ axis, momentum: 0.9 }), [x], {
          training: isTraining,
        });
        if (isTraining) expect(Math.max(...result.weightDifferences.slice(2))).toBeLessThan(1e-6);
      }
    },
  );

  // tfjs-layers is no reference here: tf.batchNorm's kernels broadcast per-feature values along
  // the last axis only, so its BatchNormalization is wrong for other axes.
  it('normalizes along a non-last axis (axis 1 of NCHW-like input) as the definition says', () => {
    const x = tf.add(randomNormalTensor([2, 3, 4, 3], 17, 2), 1);
    const layer = batchNormalization({ axis: 1, momentum: 0.9 });
    layer.apply(x);
    setRandomWeights(layer, 3, 3);
    const [gamma, beta, movingMean, movingVariance] = layer.getWeights().map((w) => tf.reshape(w, [1, 3, 1, 1]));
    const normalize = (mean: Tensor, variance: Tensor) =>
      tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-3))), gamma!), beta!);
    const inference = layer.call([x], { training: false, random: new SeededRandom(0) }).output;
    expect(maxAbsDifference(inference, normalize(movingMean!, movingVariance!))).toBeLessThan(1e-5);
    const { mean, variance } = tf.moments(x, [0, 2, 3], true);
    const trained = layer.call([x], training()).output;
    expect(maxAbsDifference(trained, normalize(mean, variance))).toBeLessThan(1e-5);
    const expectedMean = tf.add(tf.mul(tf.reshape(movingMean!, [3]), 0.9), tf.mul(tf.reshape(mean, [3]), 0.1));
    expect(maxAbsDifference(layer.movingMean!.read(), expectedMean)).toBeLessThan(1e-6);
  });

  it('updates the moving statistics with the biased batch variance and Keras momentum (hand-computed)', () => {
    const layer = batchNormalization({ momentum: 0.9 });
    const x = tf.tensor2d([[1], [2], [3], [6]]);
    layer.apply(x);
    const { output } = layer.call([x], training());
    // mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5
    expect(layer.movingMean!.read().dataSync()[0]).toBeCloseTo(0 * 0.9 + 3 * 0.1, 6);
    expect(layer.movingVariance!.read().dataSync()[0]).toBeCloseTo(1 * 0.9 + 3.5 * 0.1, 6);
    expect([...output.dataSync()].map((v) => v.toFixed(5))).toEqual(
      [-2, -1, 0, 3].map((d) => (d / Math.sqrt(3.5 + 1e-3)).toFixed(5)),
    );
    // Inference uses the moving statistics and leaves them alone.
    const y = layer.call([x], { training: false, random: new SeededRandom(0) }).output.dataSync();
    expect(y[0]).toBeCloseTo((1 - 0.3) / Math.sqrt(1.25 + 1e-3), 5);
    expect(layer.movingMean!.read().dataSync()[0]).toBeCloseTo(0.3, 6);
  });

  describe('synchronized across replicas', () => {
    /**
     * Simulates `allReduceSum` for replicas run one after another: a round records what each
     * replica sends and answers with the previous round's sums, so after enough rounds (one per
     * dependent allreduce) every replica sees the sums of all replicas' current values.
     */
    class FakeReplicaGroup {
      private readonly sent = new Map<string, Float32Array[]>();
      private readonly sums = new Map<string, Float32Array>();
      calls = 0;
      constructor(readonly replicas: number) {}
      context(replica: number): CallContext {
        return {
          training: true,
          random: new SeededRandom(0),
          syncBatchNorm: true,
          allReduceSum: (key, values) => {
            this.calls++;
            const list = this.sent.get(key) ?? [];
            list[replica] = values.slice();
            this.sent.set(key, list);
            return this.sums.get(key) ?? values;
          },
        };
      }
      endRound(): void {
        for (const [key, list] of this.sent) {
          const sum = new Float32Array(list[0]!.length);
          for (const values of list)
            values.forEach((v, i) => {
              sum[i]! += v;
            });
          this.sums.set(key, sum);
        }
      }
    }

    it('gives every replica the full batch results: outputs, input gradients, summed weight gradients, moving statistics', () => {
      const features = 3;
      const x = tf.add(randomNormalTensor([8, features], 21, 1.5), 0.7);
      const dy = randomNormalTensor([8, features], 22);
      const halves = [tf.slice(x, [0, 0], [3, features]), tf.slice(x, [3, 0], [5, features])];
      const dyHalves = [tf.slice(dy, [0, 0], [3, features]), tf.slice(dy, [3, 0], [5, features])];
      const make = () => {
        const layer = batchNormalization({ name: 'bn_sync', momentum: 0.8 });
        layer.apply(input({ shape: [features] }));
        setRandomWeights(layer, features, 40);
        return layer;
      };

      const full = make();
      const fullRun = full.call([x], training());
      const fullGrads = full.backward(dy, fullRun.saved, training(), true);

      const group = new FakeReplicaGroup(2);
      let results: { output: Tensor; dx: Tensor; weights: Tensor[]; layer: BatchNormalization }[] = [];
      for (let round = 0; round < 3; round++) {
        results = [0, 1].map((r) => {
          const layer = make(); // each round starts from the same weights, as replicas do
          const ctx = group.context(r);
          const { output, saved } = layer.call([halves[r]!], ctx);
          const g = layer.backward(dyHalves[r]!, saved, ctx, true);
          return { output, dx: g.inputs[0]!, weights: g.weights, layer };
        });
        group.endRound();
      }
      expect(group.calls).toBe(3 * 2 * 2);
      expect(maxAbsDifference(tf.concat(results.map((r) => r.output)), fullRun.output)).toBeLessThan(1e-5);
      expect(maxAbsDifference(tf.concat(results.map((r) => r.dx)), fullGrads.inputs[0]!)).toBeLessThan(1e-5);
      fullGrads.weights.forEach((g, k) => {
        expect(maxAbsDifference(tf.add(results[0]!.weights[k]!, results[1]!.weights[k]!), g)).toBeLessThan(1e-5);
      });
      for (const r of results) {
        expect(maxAbsDifference(r.layer.movingMean!.read(), full.movingMean!.read())).toBeLessThan(1e-6);
        expect(maxAbsDifference(r.layer.movingVariance!.read(), full.movingVariance!.read())).toBeLessThan(1e-5);
      }
      // Without synchronization each replica normalizes with its own half's statistics.
      const local = make().call([halves[0]!], training()).output;
      expect(maxAbsDifference(local, results[0]!.output)).toBeGreaterThan(1e-2);
    });

    it('does not synchronize unless the context asks for it', () => {
      let calls = 0;
      const layer = batchNormalization();
      const x = randomNormalTensor([4, 2], 1);
      layer.apply(x);
      layer.call([x], {
        training: true,
        random: new SeededRandom(0),
        allReduceSum: (_k, v) => {
          calls++;
          return v;
        },
      });
      expect(calls).toBe(0);
    });
  });

  it('serializes like tfjs-layers', () => {
    const ours = new BatchNormalization({ name: 'bn_cfg' }).getConfig();
    const theirs = tfjs.layers.batchNormalization({ name: 'bn_cfg' }).getConfig();
    expect(configKeysBesidesDtype(ours)).toEqual(Object.keys(theirs).sort());
    expect(ours).toMatchObject({
      axis: -1,
      momentum: 0.99,
      epsilon: 0.001,
      center: true,
      scale: true,
      movingVarianceInitializer: { class_name: 'Ones' },
    });
  });

  it('rejects bad arguments and axes, naming the layer and the value', () => {
    expect(() => batchNormalization({ momentum: 1.5, name: 'bn_m' })).toThrow(
      'BatchNormalization bn_m: expected momentum in [0, 1], but got 1.5.',
    );
    expect(() => batchNormalization({ epsilon: 0, name: 'bn_e' })).toThrow(
      'BatchNormalization bn_e: expected epsilon to be a positive number, but got 0.',
    );
    expect(() => batchNormalization({ axis: 3, name: 'bn_a' }).apply(input({ shape: [4] }))).toThrow(
      'BatchNormalization bn_a: expected axis in [-1, 1] (not the batch axis) for an input of rank 2, but got 3.',
    );
    expect(() => batchNormalization({ betaInitializer: 'zero', name: 'bn_i' })).toThrow(
      'BatchNormalization bn_i: unknown initializer "zero"; expected one of',
    );
  });
});
