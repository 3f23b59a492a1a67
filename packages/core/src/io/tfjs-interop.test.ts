// Issue 16, tfjs interop: `save` and `loadModel` take any tfjs IOHandler as well as file:// URLs,
// `modelArtifacts` is tfjs's ModelArtifacts, and the trainingConfig tfjs-layers writes is written
// on save and applied on load. Checked both ways against @tensorflow/tfjs for every lesson model
// and a conv model.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  fileSystem,
  layers,
  loadModel,
  losses,
  modelArtifacts,
  modelFromArtifacts,
  optimizers,
  resetNames,
  sequential,
  setBackend,
  SeededRandom,
  tf,
  ValueError,
  type CompileArgs,
  type LayersModel,
  type ModelArtifacts,
  type Tensor,
} from '../index.js';
// @ts-expect-error plain ES module shared with the examples and the sweep app
import * as lesson from '../../examples/lesson-models.mjs';
import { expectRefused, randomizeWeights, tempFolders } from './test-support.js';

const folders = tempFolders('fnn-interop-');
beforeAll(async () => {
  await setBackend('cpu');
  await folders.create();
});
afterAll(folders.remove);

function convModel(): LayersModel {
  return sequential([
    layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 2], activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 3, kernelSize: [2, 2], padding: 'same', useBias: false }),
    layers.flatten(),
    layers.dense({ units: 5, activation: 'softmax' }),
  ]);
}

/** Every lesson model (once per builder) and a conv model, with the loss their output calls for. */
const builders: [string, () => LayersModel][] = [
  ...Object.entries(lesson.lessonModels as Record<string, () => LayersModel>).filter(
    ([id]) => id !== 'deep-dropout-50',
  ),
  ['conv', convModel],
];

function compileArgsFor(m: LayersModel, optimizer: CompileArgs['optimizer']): CompileArgs {
  const units = m.outputs[0]!.shape.at(-1)!;
  const softmax = JSON.stringify(m.toJSON()).includes('"softmax"') && units > 1;
  return { optimizer, loss: softmax ? 'categoricalCrossentropy' : 'binaryCrossentropy', metrics: ['accuracy'] };
}

function dataFor(m: LayersModel, n: number, seed: number): { xs: Tensor[]; y: Tensor } {
  const random = new SeededRandom(seed);
  const xs = m.inputs.map((t) => {
    const shape = [n, ...t.shape.slice(1).map((d) => d!)];
    return tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.uniform(-1, 1)),
      shape,
    );
  });
  const units = m.outputs[0]!.shape.at(-1)!;
  const labels = Array.from({ length: n }, () => Math.floor(random.uniform(0, units)));
  const y =
    compileArgsFor(m, 'adam').loss === 'categoricalCrossentropy'
      ? tf.oneHot(tf.tensor1d(labels, 'int32'), units).toFloat()
      : tf.tensor(
          Float32Array.from({ length: n * units }, () => (random.uniform(0, 1) < 0.5 ? 0 : 1)),
          [n, units],
        );
  return { xs, y };
}

function maxDiff(a: Tensor | Tensor[], b: Tensor | Tensor[]): number {
  const x = (Array.isArray(a) ? a[0]! : a).dataSync();
  const y = (Array.isArray(b) ? b[0]! : b).dataSync();
  expect(x.length).toBe(y.length);
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

/** A tfjs save handler keeping the artifacts in memory, as an application's own handler would. */
function memorySink(): { handler: tfjs.io.IOHandler; artifacts: () => tfjs.io.ModelArtifacts } {
  let saved: tfjs.io.ModelArtifacts | undefined;
  const handler = tfjs.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: tfjs.io.getModelArtifactsInfoForJSON(artifacts) };
  });
  return { handler, artifacts: () => saved! };
}

const one = (xs: Tensor[]) => (xs.length === 1 ? xs[0]! : xs);

describe('round trips with tfjs-layers through IOHandlers, for every lesson model and a conv model', () => {
  for (const [id, build] of builders) {
    test(`${id}: ours → tf.loadLayersModel → tfjs save → loadModel: same predictions, loss, optimizer; fit straight away`, async () => {
      resetNames();
      const ours = build();
      randomizeWeights(ours, 11);
      ours.compile(compileArgsFor(ours, optimizers.adam({ learningRate: 0.002 })));
      const { xs, y } = dataFor(ours, 16, 12);

      // Ours → tfjs, through tfjs's own in-memory handlers.
      const sink = memorySink();
      const result = await ours.save(sink.handler);
      expect(result.modelArtifactsInfo.weightDataBytes).toBe(ours.countParams() * 4);
      const theirs = await tfjs.loadLayersModel(tfjs.io.fromMemory(sink.artifacts()));
      expect(maxDiff(theirs.predict(one(xs)) as Tensor, ours.predict(xs))).toBeLessThan(1e-5);
      // tfjs compiled it from our trainingConfig: same optimizer and loss.
      expect(theirs.optimizer.getClassName()).toBe('Adam');
      expect(theirs.optimizer.getConfig()).toMatchObject({ learningRate: 0.002, beta1: 0.9, beta2: 0.999 });
      const theirLoss = (theirs.evaluate(one(xs), y) as tfjs.Scalar[])[0]!.dataSync()[0]!;
      const ourLoss = (ours.evaluate(xs, y) as Tensor[])[0]!.dataSync()[0]!;
      expect(Math.abs(theirLoss - ourLoss)).toBeLessThan(1e-5);

      // tfjs → ours, with the optimizer weights tfjs adds when asked to.
      const back = memorySink();
      await theirs.save(back.handler, { includeOptimizer: true });
      const loaded = await loadModel(tfjs.io.fromMemory(back.artifacts()));
      // (tfjs writes GlorotUniform as the VarianceScaling it is, so compare structure, not JSON.)
      expect(loaded.layers.map((l) => `${l.className} ${l.name}`)).toEqual(
        ours.layers.map((l) => `${l.className} ${l.name}`),
      );
      expect(loaded.countParams()).toBe(ours.countParams());
      expect(maxDiff(loaded.predict(xs), ours.predict(xs))).toBe(0);
      expect(loaded.compiled?.optimizer.getConfig()).toEqual(ours.compiled!.optimizer.getConfig());
      expect(loaded.compiled?.logKeys).toEqual(ours.compiled!.logKeys);
      // It fits at once, exactly as the original compiled by hand does from the same weights.
      const fitArgs = { epochs: 1, batchSize: 8, shuffle: false, seed: 3, verbose: 0 as const };
      const expected = await ours.fit(xs, y, fitArgs);
      const history = await loaded.fit(xs, y, fitArgs);
      expect(history.history.loss).toEqual(expected.history.loss);
      expect(maxDiff(loaded.predict(xs), ours.predict(xs))).toBe(0);
      theirs.dispose();
      ours.dispose();
      loaded.dispose();
    });
  }
});

describe('the file-system handler is a tfjs IOHandler', () => {
  test('tfjs-layers loads through fileSystem() what we save, and saves through it what we load', async () => {
    resetNames();
    const ours = lesson.wideDeepBn() as LayersModel;
    randomizeWeights(ours, 21);
    ours.compile(compileArgsFor(ours, optimizers.rmsprop({ learningRate: 0.01, rho: 0.8 })));
    const dir = folders.fresh();
    await ours.save(`file://${dir}`);
    const theirs = await tfjs.loadLayersModel(fileSystem(join(dir, 'model.json')));
    const { xs } = dataFor(ours, 4, 22);
    expect(maxDiff(theirs.predict(one(xs)) as Tensor, ours.predict(xs))).toBeLessThan(1e-5);
    expect(theirs.optimizer.getClassName()).toBe('RMSProp');
    expect(theirs.optimizer.getConfig()).toMatchObject({ learningRate: 0.01, decay: 0.8 });

    const dir2 = folders.fresh();
    const saved = await theirs.save(fileSystem(dir2));
    expect(saved.modelArtifactsInfo.weightDataBytes).toBe(ours.countParams() * 4);
    const loaded = await loadModel(dir2);
    expect(maxDiff(loaded.predict(xs), ours.predict(xs))).toBeLessThan(1e-5);
    // tfjs writes no trainingConfig unless asked (includeOptimizer), so this copy is not compiled.
    expect(loaded.compiled).toBeUndefined();
    theirs.dispose();
    ours.dispose();
    loaded.dispose();
  });

  test('a compiled model.json carries the trainingConfig tfjs-layers writes for the same compile', async () => {
    for (const [ours, theirs] of [
      [optimizers.adam({ learningRate: 0.003 }), tfjs.train.adam(0.003, 0.9, 0.999, 1e-7)],
      [optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), tfjs.train.momentum(0.1, 0.9, true)],
      [optimizers.sgd({ learningRate: 0.1 }), tfjs.train.sgd(0.1)],
      [
        optimizers.rmsprop({ learningRate: 0.01, rho: 0.8, momentum: 0.1, centered: true }),
        tfjs.train.rmsprop(0.01, 0.8, 0.1, 1e-7, true),
      ],
    ] as const) {
      resetNames();
      const m = lesson.exercise1() as LayersModel;
      m.compile({ optimizer: ours, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      const reference = tfjs.sequential({ layers: [tfjs.layers.dense({ units: 1, inputShape: [2] })] });
      reference.compile({ optimizer: theirs, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      const dir = folders.fresh();
      await m.save(dir);
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      expect(json.trainingConfig).toEqual(reference.getTrainingConfig());
      expect(modelArtifacts(m).trainingConfig).toEqual(reference.getTrainingConfig());
      reference.dispose();
      m.dispose();
    }
  });
});

describe('modelArtifacts(model) is tfjs ModelArtifacts', () => {
  test('its fields, and a user-written IOHandler round trip', async () => {
    resetNames();
    const m = lesson.churn() as LayersModel;
    randomizeWeights(m, 31);
    m.compile({
      optimizer: optimizers.adagrad({ learningRate: 0.05 }),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    const artifacts = modelArtifacts(m);
    expect(Object.keys(artifacts)).toEqual([
      'modelTopology',
      'format',
      'generatedBy',
      'convertedBy',
      'trainingConfig',
      'weightSpecs',
      'weightData',
    ]);
    expect(artifacts).toMatchObject({ format: 'layers-model', generatedBy: '@fnn/core 0.1.0', convertedBy: null });
    expect(artifacts.modelTopology).toEqual(m.toJSON());
    expect(artifacts.weightData).toBeInstanceOf(ArrayBuffer);
    expect(artifacts.weightSpecs).toEqual(m.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })));
    expect(artifacts.trainingConfig).toEqual({
      loss: 'binary_crossentropy',
      metrics: ['accuracy'],
      optimizer_config: {
        class_name: 'Adagrad',
        config: { learningRate: 0.05, initialAccumulatorValue: 0.1, epsilon: 1e-7 },
      },
    });
    // A handler of the user's own: plain object with save and load.
    let stored: ModelArtifacts | undefined;
    const own = {
      save: async (a: ModelArtifacts) => {
        stored = structuredClone(a);
        return { modelArtifactsInfo: tfjs.io.getModelArtifactsInfoForJSON(a) };
      },
      load: async () => stored!,
    };
    await m.save(own);
    const loaded = await loadModel(own);
    const { xs } = dataFor(m, 5, 32);
    expect(maxDiff(loaded.predict(xs), m.predict(xs))).toBe(0);
    expect(loaded.compiled?.optimizer.getConfig()).toEqual({
      learningRate: 0.05,
      initialAccumulatorValue: 0.1,
      epsilon: 1e-7,
    });
    // modelFromArtifacts is the synchronous form; weightData may be a list of buffers (tfjs ≥ 4.21).
    const bytes = new Uint8Array(artifacts.weightData as ArrayBuffer);
    const split = modelFromArtifacts({
      ...artifacts,
      weightData: [bytes.slice(0, 100).buffer, bytes.slice(100).buffer],
    });
    expect(maxDiff(split.predict(xs), m.predict(xs))).toBe(0);
    for (const x of [m, loaded, split]) x.dispose();
  });

  test('a Keras-written trainingConfig (snake_case, RMSprop with rho, null extras) compiles the model', async () => {
    resetNames();
    const m = lesson.exercise1() as LayersModel;
    const artifacts = modelArtifacts(m);
    const loaded = modelFromArtifacts({
      ...artifacts,
      trainingConfig: {
        loss: 'binary_crossentropy',
        metrics: { dense_4: ['accuracy'] },
        weighted_metrics: null,
        loss_weights: null,
        sample_weight_mode: null,
        optimizer_config: {
          class_name: 'RMSprop',
          config: {
            name: 'RMSprop',
            learning_rate: 0.004,
            rho: 0.85,
            momentum: 0.0,
            epsilon: 1e-6,
            centered: false,
            decay: 0.0,
          },
        },
      } as never,
    });
    expect(loaded.compiled?.optimizer.className).toBe('RMSprop');
    expect(loaded.compiled?.optimizer.getConfig()).toEqual({
      learningRate: 0.004,
      rho: 0.85,
      momentum: 0,
      epsilon: 1e-6,
      centered: false,
    });
    expect(loaded.compiled?.logKeys).toEqual(['loss', 'accuracy']);
    loaded.dispose();
    m.dispose();
  });

  test('a model compiled with a custom loss is saved without trainingConfig (nothing to name it by)', async () => {
    resetNames();
    const m = lesson.exercise1() as LayersModel;
    const custom = { ...losses.binaryCrossentropy, name: 'my_loss' };
    m.compile({ optimizer: 'adam', loss: custom });
    expect(modelArtifacts(m).trainingConfig).toBeUndefined();
    m.compile({ optimizer: 'adam', loss: losses.binaryCrossentropy });
    expect(modelArtifacts(m).trainingConfig?.loss).toBe('binary_crossentropy');
    m.dispose();
  });
});

describe('handler errors', () => {
  test('what is not a URL or an IOHandler, graph models, unsupported trainingConfig parts', async () => {
    resetNames();
    const m = lesson.exercise1() as LayersModel;
    await expectRefused(
      () => m.save({} as never),
      /^Model model_1: save: expected a file:\/\/ URL, a path or a tfjs IOHandler with a save method, but got \{\}\.$/,
    );
    await expectRefused(
      () => loadModel({ save: async () => ({}) } as never),
      /^loadModel: expected a file:\/\/ URL, a path or a tfjs IOHandler with a load method/,
    );
    await expectRefused(
      () => loadModel(tfjs.io.fromMemory({ modelTopology: new ArrayBuffer(8), format: 'graph-model' })),
      /^loadModel: the artifacts the IOHandler loaded: this is a "graph-model" model; only tfjs layers models \(format 'layers-model'\) can be loaded\.$/,
    );
    const artifacts = modelArtifacts(m);
    for (const [trainingConfig, message] of [
      [
        { loss: 'mse', loss_weights: [0.5], optimizer_config: { class_name: 'Adam', config: {} } },
        /trainingConfig: loss_weights is not supported, but the file sets it to \[0\.5\]\./,
      ],
      [
        { loss: 'mse', optimizer_config: { class_name: 'Adam', config: { amsgrad: true } } },
        /trainingConfig: Adam option amsgrad is not supported, but the file sets it to true\./,
      ],
      [
        { loss: 'hinge', optimizer_config: { class_name: 'SGD', config: {} } },
        /trainingConfig: compile \(model model_\d+\): unknown loss "hinge"/,
      ],
      [
        { loss: 'mse', optimizer_config: { class_name: 'Adam', config: { learning_rate: -1 } } },
        /trainingConfig: .*learningRate/,
      ],
    ] as const) {
      await expectRefused(() => modelFromArtifacts({ ...artifacts, trainingConfig: trainingConfig as never }), message);
    }
    // A handler's own failure reaches the caller unchanged.
    await expect(m.save(tfjs.io.withSaveHandler(async () => Promise.reject(new Error('disk full'))))).rejects.toThrow(
      'disk full',
    );
    expect(ValueError).toBeDefined();
    m.dispose();
  });
});
