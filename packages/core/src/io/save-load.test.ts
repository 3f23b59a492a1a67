import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import {
  loadModel,
  modelFromArtifacts,
  resetNames,
  setBackend,
  SeededRandom,
  tf,
  type LayersModel,
  type Tensor,
} from '../index.js';
// @ts-expect-error plain ES module shared with the examples and the sweep app
import * as lesson from '../../examples/lesson-models.mjs';
import { randomizeWeights, tempFolders } from './test-support.js';

const folders = tempFolders('fnn-io-');
beforeAll(async () => {
  await setBackend('cpu');
  await folders.create();
});
afterAll(folders.remove);
const freshDir = folders.fresh;
const root = folders.root;

function randomInputs(shapes: (number | null)[][], batch: number, seed: number): Tensor[] {
  const random = new SeededRandom(seed);
  return shapes.map((s) => {
    const shape = [batch, ...s.slice(1).map((d) => d!)];
    return tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.uniform(-1, 1)),
      shape,
    );
  });
}

function list(y: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(y) ? y : [y];
}

function maxDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

/** What `tfjs.io.fromMemory` needs, read from a directory written by `model.save`. */
async function readArtifacts(
  dir: string,
): Promise<{ modelTopology: object; weightSpecs: tfjs.io.WeightsManifestEntry[]; weightData: ArrayBuffer }> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const bytes = await readFile(join(dir, json.weightsManifest[0].paths[0]));
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  };
}

/** A tfjs save handler writing the same files as tfjs-node's file:// handler. */
function tfjsFileWriter(dir: string): tfjs.io.IOHandler {
  return tfjs.io.withSaveHandler(async (artifacts) => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }],
    };
    await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  });
}

describe('save() and loadModel()', () => {
  test('model.json and weights.bin are in the tfjs-layers format, weights little-endian float32 in manifest order', async () => {
    resetNames();
    const m = lesson.wideDeepBn() as LayersModel;
    randomizeWeights(m, 1);
    const dir = freshDir();
    const paths = await m.save(`file://${dir}`);
    expect(paths).toMatchObject({ modelJsonPath: join(dir, 'model.json'), weightsPath: join(dir, 'weights.bin') });
    // tfjs's SaveResult, as tfjs-node's file handler returns it.
    expect(paths.modelArtifactsInfo).toMatchObject({ modelTopologyType: 'JSON', weightDataBytes: 714_550 * 4 });
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']); // no temporary files left
    const json = JSON.parse(await readFile(paths.modelJsonPath, 'utf8'));
    expect(Object.keys(json)).toEqual(['modelTopology', 'format', 'generatedBy', 'convertedBy', 'weightsManifest']);
    expect(json).toMatchObject({ format: 'layers-model', generatedBy: '@fnn/core 0.1.0', convertedBy: null });
    expect(json.modelTopology).toEqual(m.toJSON());
    expect(json.weightsManifest).toEqual([
      { paths: ['weights.bin'], weights: m.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) },
    ]);
    expect(json.weightsManifest[0].weights.slice(0, 6).map((w: { name: string }) => w.name)).toEqual([
      'dense_1/kernel',
      'dense_1/bias',
      'batch_normalization_1/gamma',
      'batch_normalization_1/beta',
      'batch_normalization_1/moving_mean',
      'batch_normalization_1/moving_variance',
    ]);
    const bytes = await readFile(paths.weightsPath);
    expect(bytes.byteLength).toBe(714_550 * 4);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const expected = m.weights.flatMap((w) => Array.from(w.read().dataSync()));
    for (const i of [0, 1, 392_499, 392_500, 392_500 + 1_999, 714_549])
      expect(view.getFloat32(i * 4, true)).toBe(expected[i]);
    m.dispose();
  });

  test('a saved model loads back with the same topology, weights and predictions; saving again overwrites', async () => {
    for (const build of [lesson.churn, lesson.wideDeepBn, lesson.exercise2] as (() => LayersModel)[]) {
      resetNames();
      const m = build();
      randomizeWeights(m, 2);
      const dir = freshDir();
      await m.save(`file://${dir}`);
      randomizeWeights(m, 3);
      await m.save(`file://${dir}`);
      const loaded = await loadModel(`file://${dir}/model.json`);
      expect(loaded.toJSON()).toEqual(m.toJSON());
      loaded.weights.forEach((w, i) => expect(maxDiff(w.read(), m.weights[i]!.read())).toBe(0));
      const xs = randomInputs(
        m.inputs.map((t) => t.shape),
        5,
        4,
      );
      const expected = list(m.predict(xs));
      list(loaded.predict(xs)).forEach((y, i) => expect(maxDiff(y, expected[i]!)).toBe(0));
      // The directory and a path without the scheme name the same model.
      expect((await loadModel(dir)).countParams()).toBe(m.countParams());
      m.dispose();
      loaded.dispose();
    }
  });

  test('tfjs-layers loads what we save and predicts the same values (within 1e-5)', async () => {
    for (const build of [lesson.wideDeepBn, lesson.churn] as (() => LayersModel)[]) {
      resetNames();
      const ours = build();
      randomizeWeights(ours, 5);
      const dir = freshDir();
      await ours.save(`file://${dir}`);
      const artifacts = await readArtifacts(dir);
      const fromMemory = await tfjs.loadLayersModel(tfjs.io.fromMemory(artifacts));
      // The same files through a custom IOHandler, as an application would read them.
      const fromHandler = await tfjs.loadLayersModel({ load: async () => readArtifacts(dir) });
      const xs = randomInputs(
        ours.inputs.map((t) => t.shape),
        6,
        6,
      );
      const expected = list(ours.predict(xs));
      for (const theirs of [fromMemory, fromHandler]) {
        expect(theirs.layers.map((l) => l.name)).toEqual(ours.layers.map((l) => l.name));
        list(theirs.predict(xs.length === 1 ? xs[0]! : xs)).forEach((y, i) =>
          expect(maxDiff(y, expected[i]!)).toBeLessThan(1e-5),
        );
        theirs.dispose();
      }
      ours.dispose();
    }
  });

  test('we load what tfjs-layers saves and predict the same values (within 1e-5)', async () => {
    const seq = tfjs.sequential({
      layers: [
        tfjs.layers.dense({ units: 12, inputShape: [7], activation: 'relu' }),
        tfjs.layers.batchNormalization(),
        tfjs.layers.dropout({ rate: 0.2 }),
        tfjs.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const a = tfjs.input({ shape: [4] });
    const b = tfjs.input({ shape: [3] });
    const h = tfjs.layers.dense({ units: 3, activation: 'tanh' }).apply(a) as tfjs.SymbolicTensor;
    const fn = tfjs.model({
      inputs: [a, b],
      outputs: tfjs.layers
        .dense({ units: 2, activation: 'sigmoid' })
        .apply(
          tfjs.layers
            .concatenate()
            .apply([h, tfjs.layers.add().apply([h, b]) as tfjs.SymbolicTensor]) as tfjs.SymbolicTensor,
        ) as tfjs.SymbolicTensor,
    });
    for (const theirs of [seq, fn]) {
      // Moving statistics away from 0 and 1, so inference-mode batch norm is really checked.
      theirs.setWeights(
        theirs.weights.map((w, i) =>
          tfjs.randomUniform(w.shape, w.name.includes('variance') ? 0.5 : -0.5, 1, 'float32', 100 + i),
        ),
      );
      const dir = freshDir();
      await theirs.save(tfjsFileWriter(dir));
      const ours = await loadModel(`file://${join(dir, 'model.json')}`);
      expect(ours.layers.map((l) => l.name)).toEqual(theirs.layers.map((l) => l.name));
      const xs = randomInputs(
        ours.inputs.map((t) => t.shape),
        5,
        7,
      );
      const expected = list(theirs.predict(xs.length === 1 ? xs[0]! : xs));
      list(ours.predict(xs)).forEach((y, i) => expect(maxDiff(y, expected[i]!)).toBeLessThan(1e-5));
      ours.dispose();
      theirs.dispose();
    }
  });

  test('modelFromArtifacts rebuilds a model from in-memory tfjs artifacts', async () => {
    resetNames();
    const m = lesson.exercise1() as LayersModel;
    randomizeWeights(m, 8);
    const dir = freshDir();
    await m.save(`file://${dir}`);
    const copy = modelFromArtifacts(await readArtifacts(dir));
    const [x] = randomInputs([[null, 10]], 3, 9);
    expect(maxDiff(copy.predict(x!) as Tensor, m.predict(x!) as Tensor)).toBe(0);
  });
});

describe('loadModel errors name the file and what is wrong', () => {
  async function savedModelDir(): Promise<string> {
    resetNames();
    const m = lesson.exercise1() as LayersModel;
    const dir = freshDir();
    await m.save(`file://${dir}`);
    m.dispose();
    return dir;
  }

  test('a missing model.json or weights.bin', async () => {
    const nowhere = join(root(), 'nowhere', 'model.json');
    await expect(loadModel(`file://${nowhere}`)).rejects.toThrow(`loadModel: model file ${nowhere} does not exist.`);
    const dir = await savedModelDir();
    await rm(join(dir, 'weights.bin'));
    await expect(loadModel(`file://${dir}/model.json`)).rejects.toThrow(
      `loadModel: weights file ${join(dir, 'weights.bin')} (listed in ${join(dir, 'model.json')}) does not exist.`,
    );
  });

  test('a truncated weights.bin', async () => {
    const dir = await savedModelDir();
    await truncate(join(dir, 'weights.bin'), 1000);
    await expect(loadModel(`file://${dir}/model.json`)).rejects.toThrow(
      `loadModel: weights file ${join(dir, 'weights.bin')} (listed in ${join(dir, 'model.json')}) holds 1000 bytes, but the weightsManifest lists 551 float32 values (2204 bytes): the file is truncated or does not belong to this model.json.`,
    );
  });

  test('a truncated or corrupt model.json', async () => {
    const dir = await savedModelDir();
    const path = join(dir, 'model.json');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, 200));
    await expect(loadModel(`file://${path}`)).rejects.toThrow(
      new RegExp(`^loadModel: model file ${path} is not valid JSON \\(.+\\)\\.$`),
    );
    await writeFile(path, JSON.stringify({ format: 'layers-model', weightsManifest: [] }));
    await expect(loadModel(`file://${path}`)).rejects.toThrow(
      `loadModel: model file ${path} has no modelTopology object; expected a tfjs-layers model.json with modelTopology and weightsManifest.`,
    );
    await writeFile(path, text.replace('"class_name":"Dense"', '"class_name":"Dense3D"'));
    await expect(loadModel(`file://${path}`)).rejects.toThrow(
      `loadModel: model file ${path}: layer "dense_1": unknown layer class "Dense3D"; known classes are Activation, Add, BatchNormalization, Concatenate, Conv2D, Dense, Dropout, Flatten, InputLayer, MaxPooling2D, Reshape.`,
    );
  });

  test('a manifest that does not match the model', async () => {
    const dir = await savedModelDir();
    const path = join(dir, 'model.json');
    const json = JSON.parse(await readFile(path, 'utf8'));
    json.weightsManifest[0].weights[0].name = 'dense_9/kernel';
    await writeFile(path, JSON.stringify(json));
    await expect(loadModel(path)).rejects.toThrow(
      `loadModel: model file ${path}: the weightsManifest has no values for dense_1/kernel; it lists dense_9/kernel, dense_1/bias,`,
    );
    json.weightsManifest[0].weights[0] = { name: 'dense_1/kernel', shape: [10, 10], dtype: 'int32' };
    await writeFile(path, JSON.stringify(json));
    await expect(loadModel(path)).rejects.toThrow(
      `weight dense_1/kernel is stored as "int32"; only unquantized float32 weights are supported.`,
    );
  });

  test('only file:// URLs', async () => {
    await expect(loadModel('indexeddb://my-model')).rejects.toThrow(
      'loadModel: only file:// URLs are supported, but got "indexeddb://my-model".',
    );
    resetNames();
    const m = lesson.exercise1() as LayersModel;
    await expect(m.save('http://example.com/model')).rejects.toThrow(
      'Model model_1: save: only file:// URLs are supported, but got "http://example.com/model".',
    );
  });
});
