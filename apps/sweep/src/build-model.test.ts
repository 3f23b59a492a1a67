import { setBackend, tf } from '@fnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCompiledModel, buildModel } from './build-model.js';
import { defaultRuns, type RunConfig } from './run-config.js';
import { countParams } from './schedule.js';

const run = (id: string): RunConfig => defaultRuns().find((r) => r.id === id)!;

describe('buildModel', () => {
  beforeAll(async () => {
    await setBackend('wasm');
  });

  it.each([
    ['wide', 198_760, 0],
    ['deep', 49_960, 0],
    ['deep-dropout', 49_960, 0],
    ['deep-dropout-50', 49_960, 0],
    ['wide-deep', 708_510, 0],
    ['wide-deep-bn', 714_550, 3_020],
    ['functional-wide', 198_760, 0],
  ])('%s has Keras’s parameter count (%i, %i non-trainable)', (id, total, nonTrainable) => {
    const model = buildModel(run(id));
    expect(model.countParams()).toBe(total);
    expect(model.nonTrainableWeights.reduce((n, w) => n + w.size, 0)).toBe(nonTrainable);
    expect(countParams(run(id))).toBe(total);
    model.dispose();
  });

  it('stacks the layers as the lesson does', () => {
    const types = (id: string) => buildModel(run(id)).layers.map((l) => l.className);
    expect(types('wide')).toEqual(['Dense', 'Dense']);
    expect(types('deep-dropout')).toEqual([
      'Dense',
      'Dropout',
      'Dense',
      'Dropout',
      'Dense',
      'Dropout',
      'Dense',
      'Dropout',
      'Dense',
      'Dropout',
      'Dense',
    ]);
    const bn = types('wide-deep-bn');
    expect(bn.slice(0, 4)).toEqual(['Dense', 'BatchNormalization', 'Activation', 'Dropout']);
    expect(bn.slice(-3)).toEqual(['Dense', 'BatchNormalization', 'Activation']);
    expect(bn).toHaveLength(5 * 4 + 3);
    // The functional rewrite starts from an explicit Input.
    expect(types('functional-wide')).toEqual(['InputLayer', 'Dense', 'Dense']);
  });

  it('prints the lesson’s summary with fresh layer names for every model', () => {
    buildModel(run('deep'));
    const text = buildModel(run('wide')).summary(undefined, undefined, () => {});
    expect(text).toContain('dense_1 (Dense)');
    expect(text).toContain('(None, 250)');
    expect(text).toContain('Total params: 198,760');
    expect(text).not.toContain('dense_3');
  });

  it('gives the Sequential and functional builds of wide the same initial weights for the same seed', () => {
    const a = buildModel(run('wide')).getWeights();
    const b = buildModel(run('functional-wide')).getWeights();
    const c = buildModel({ ...run('wide'), seed: 2 }).getWeights();
    expect(a.map((t) => t.shape)).toEqual(b.map((t) => t.shape));
    a.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(b[i]!.dataSync())));
    expect(Array.from(a[0]!.dataSync())).not.toEqual(Array.from(c[0]!.dataSync()));
    // Glorot uniform: |w| ≤ sqrt(6 / (fan_in + fan_out)) = sqrt(6 / 1034) for the 784×250 kernel.
    expect(tf.max(tf.abs(a[0]!)).dataSync()[0]).toBeLessThanOrEqual(Math.sqrt(6 / 1034));
    expect(Array.from(a[1]!.dataSync()).every((v) => v === 0)).toBe(true);
  });

  it('compiles with the run’s optimizer and learning rate', () => {
    const model = buildCompiledModel({ ...run('wide'), optimizer: 'sgd', learningRate: 0.05 });
    expect(model.compiled!.optimizer.className).toBe('SGD');
    expect(model.compiled!.optimizer.getConfig().learningRate).toBe(0.05);
    expect(model.compiled!.logKeys).toEqual(['loss', 'accuracy']);
  });
});
