import { fileURLToPath } from 'node:url';
import { setBackend, tf } from '@fnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCompiledModel, buildModel } from './build-model.js';
import { loadGrid } from './grid.js';
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
    a.forEach((t, i) => {
      expect(Array.from(t.dataSync())).toEqual(Array.from(b[i]!.dataSync()));
    });
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

/** The Keras "Simple MNIST convnet", as examples/convnet.json asks for it. */
const convnet = (): RunConfig => loadGrid(fileURLToPath(new URL('../examples/convnet.json', import.meta.url)), 1)[0]!;

describe('buildModel for a conv run', () => {
  beforeAll(async () => {
    await setBackend('wasm');
  });

  it('builds the Keras MNIST convnet: its layers, output shapes and 34,826 parameters', () => {
    const model = buildModel(convnet());
    const text = model.summary(undefined, undefined, () => {});
    // Keras's summary rows (keras.io/examples/vision/mnist_convnet), after the reshape of the flat input.
    const rows = [
      ['Reshape', '(None, 28, 28, 1)', 0],
      ['Conv2D', '(None, 26, 26, 32)', 320],
      ['MaxPooling2D', '(None, 13, 13, 32)', 0],
      ['Conv2D', '(None, 11, 11, 64)', 18_496],
      ['MaxPooling2D', '(None, 5, 5, 64)', 0],
      ['Flatten', '(None, 1600)', 0],
      ['Dropout', '(None, 1600)', 0],
      ['Dense', '(None, 10)', 16_010],
    ];
    // Keras cuts a long "name (Class)" at its column, so the class comes from the model.
    const printed = text
      .split('\n')
      .map((line) => line.match(/(\(None[^)]*\))\s+(\d+)\s*$/))
      .filter((m) => m !== null)
      .map((m, i) => [model.layers[i]!.className, m[1], Number(m[2])]);
    expect(printed).toEqual(rows);
    expect(text).toContain('Total params: 34,826');
    expect(text).toContain('Trainable params: 34,826');
    expect(text).toContain('Non-trainable params: 0');
  });

  it('gives the Sequential and functional builds the same layers and initial weights', () => {
    const sequential = buildModel(convnet());
    const functional = buildModel({ ...convnet(), api: 'functional' });
    expect(functional.layers.map((l) => l.className)).toEqual([
      'InputLayer',
      ...sequential.layers.map((l) => l.className),
    ]);
    const a = sequential.getWeights();
    const b = functional.getWeights();
    for (const [i, t] of a.entries()) expect(Array.from(t.dataSync())).toEqual(Array.from(b[i]!.dataSync()));
    // Glorot uniform on the first conv kernel: fan in 3·3·1, fan out 3·3·32.
    expect(tf.max(tf.abs(a[0]!)).dataSync()[0]).toBeLessThanOrEqual(Math.sqrt(6 / (9 + 288)));
  });

  it('refuses data that are not square images, or too small for the layers, before building a layer', () => {
    expect(() => buildModel(convnet(), { inputSize: 780, classes: 10 })).toThrow(
      'conv layers need square single-channel images, but the data has 780 values per sample (not a square number).',
    );
    expect(() => buildModel(convnet(), { inputSize: 36, classes: 10 })).toThrow(
      'conv [[32, 3], [64, 3]] with pool 2: conv layer 2 ([64, 3]) shrinks the 6×6 input to nothing (its 3×3 kernel does not fit the 2×2 image left)',
    );
  });

  it("trains on wasm (its filter gradient is @fnn/core's) as on the cpu backend", async () => {
    // A small conv run, two SGD steps on 16 images of a fixed pattern: same weights on both backends.
    const run: RunConfig = { ...convnet(), conv: [[4, 3]], dropout: 0, optimizer: 'sgd', learningRate: 0.1 };
    const shape = { inputSize: 100, classes: 3 };
    const trained = async (backend: 'wasm' | 'cpu') => {
      await setBackend(backend);
      const x = tf.tensor2d(
        Float32Array.from({ length: 1600 }, (_, i) => Math.sin(i * 0.37)),
        [16, 100],
      );
      const labels = tf.tensor1d(
        Array.from({ length: 16 }, (_, i) => i % 3),
        'int32',
      );
      const y = tf.cast(tf.oneHot(labels, 3), 'float32');
      const model = buildCompiledModel(run, shape);
      await model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
      return model.getWeights().map((w) => Array.from(w.dataSync()));
    };
    const cpu = await trained('cpu');
    const wasm = await trained('wasm');
    const initial = buildModel(run, shape)
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
    expect(wasm[0]).not.toEqual(initial[0]);
    for (const [i, w] of wasm.entries()) {
      for (const [j, v] of w.entries()) expect(v).toBeCloseTo(cpu[i]![j]!, 5);
    }
  });
});
