// Issue 11, class 8: a hostile model.json gets clear ValueErrors naming the file, layer and field —
// no stack overflow for deep nesting, no prototype pollution through "__proto__", no raw
// TypeErrors from layer code — and a refused load leaves tf.memory() where it was.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  loadModel,
  modelFromArtifacts,
  modelFromJSON,
  resetNames,
  setBackend,
  MAX_JSON_DEPTH,
  tf,
  type LayersModel,
} from '../index.js';
// @ts-expect-error plain ES module shared with the examples and the sweep app
import * as lesson from '../../examples/lesson-models.mjs';
import { expectRefused, literally, tempFolders } from './test-support.js';

const folders = tempFolders('fnn-model-config-');
beforeAll(async () => {
  await setBackend('cpu');
  await folders.create();
});
afterAll(folders.remove);

/** A churn model (functional, 8 Dense layers, 890 values) saved; its model.json path and text. */
async function savedChurn(compile = false): Promise<{ modelJson: string; text: string }> {
  resetNames();
  const model = lesson.churn() as LayersModel;
  if (compile) model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const dir = folders.fresh();
  await model.save(dir);
  model.dispose();
  const modelJson = join(dir, 'model.json');
  return { modelJson, text: await readFile(modelJson, 'utf8') };
}

/** Writes `text` as the model.json and expects loading it to be refused with `message`, leaving no tensor. */
async function expectFileRefused(modelJson: string, text: string, message: string | RegExp) {
  await writeFile(modelJson, text);
  return expectRefused(() => loadModel(modelJson), message);
}

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { x: value };
  return value;
}

describe('deep nesting is refused before any recursive code runs', () => {
  test('a model.json nested 1,000,000 levels deep is refused by a linear scan, before JSON.parse', async () => {
    const { modelJson, text } = await savedChurn();
    // Spliced in as text: JSON.stringify itself would overflow on such an object.
    const deep = `${'{"x":'.repeat(1_000_000)}1${'}'.repeat(1_000_000)}`;
    const at = text.indexOf('"name":"dense_3","trainable":true');
    const hostile = `${text.slice(0, at)}"extra":${deep},${text.slice(at)}`;
    // Six levels are open where the layer's config starts, so the 59th "{" of "extra" is the 65th.
    await expectFileRefused(
      modelJson,
      hostile,
      literally(
        `loadModel: model file ${modelJson} nests deeper than 64 levels (at character ${at + 8 + 5 * 58}); a model file may nest at most 64.`,
      ),
    );
    // Braces inside strings do not count.
    const braces = text.replace('"name":"dense_3"', `"name":"dense_3","note":"${'{['.repeat(100)}"`);
    await writeFile(modelJson, braces);
    const model = await loadModel(modelJson);
    model.dispose();
    expect(MAX_JSON_DEPTH).toBe(64);
  });

  test('in memory (modelFromJSON, modelFromArtifacts) the error names the layer and the path', async () => {
    const { text } = await savedChurn(true);
    const json = JSON.parse(text);
    json.modelTopology.config.layers[5].config.extra = nested(100);
    expect(() => modelFromJSON(json.modelTopology)).toThrow(
      /^modelFromJSON: layer "dense_3": modelTopology\.config\.layers\[5\]\.config\.extra(\.x)+ nests deeper than 64 levels, the most a model file may nest\.$/,
    );
    const topology = { class_name: 'Sequential', config: { name: 's', layers: [], extra: nested(100) } };
    expect(() => modelFromJSON(topology)).toThrow(
      /^modelFromJSON: modelTopology\.config\.extra(\.x)+ nests deeper than 64 levels/,
    );
    delete json.modelTopology.config.layers[5].config.extra;
    json.trainingConfig.optimizer_config.config = nested(80);
    await expectRefused(
      () =>
        modelFromArtifacts({
          modelTopology: json.modelTopology,
          trainingConfig: json.trainingConfig,
          weightSpecs: json.weightsManifest[0].weights,
          weightData: new ArrayBuffer(890 * 4),
        }),
      /^modelFromArtifacts: trainingConfig\.optimizer_config\.config(\.x)+ nests deeper than 64 levels/,
    );
  });

  test('nesting that real files use (about 10 levels) loads', async () => {
    const { modelJson } = await savedChurn(true);
    const model = await loadModel(modelJson);
    expect(model.countParams()).toBe(890);
    model.dispose();
  });
});

describe('long chains of layers', () => {
  test('a file declaring a Sequential of 8,000 layers loads and predicts (the graph walk does not recurse)', () => {
    const layerList: object[] = [
      { class_name: 'Dense', config: { name: 'd', units: 3, batch_input_shape: [null, 2] } },
    ];
    for (let i = 0; i < 8000; i++)
      layerList.push({ class_name: 'Activation', config: { name: `a${i}`, activation: 'relu' } });
    const weights = new Float32Array([0.5, -1, 2, 1, 0.25, -3, 0.1, 0.2, -0.3]);
    const model = modelFromArtifacts({
      modelTopology: { class_name: 'Sequential', config: { name: 'chain', layers: layerList } },
      weightSpecs: [
        { name: 'd/kernel', shape: [2, 3], dtype: 'float32' },
        { name: 'd/bias', shape: [3], dtype: 'float32' },
      ],
      weightData: weights.buffer,
    });
    expect(model.layers).toHaveLength(8001);
    // relu applied 8000 times is relu once: hand-computed relu(x·W + b) for x = [1, 2].
    const y = (model.predict(tf.tensor2d([[1, 2]])) as tf.Tensor).dataSync();
    const expected = [Math.max(0, 0.5 + 2 + 0.1), Math.max(0, -1 + 0.5 + 0.2), Math.max(0, 2 - 6 - 0.3)];
    expected.forEach((v, i) => {
      expect(y[i]).toBeCloseTo(v, 6);
    });
    model.dispose();
  });
});

describe('"__proto__", "constructor" and "prototype" keys are refused and pollute nothing', () => {
  test('each names the right layer and field, and no prototype changes', async () => {
    const { modelJson, text } = await savedChurn();
    for (const [key, layer, index] of [
      ['__proto__', 'dense_2', 3],
      ['constructor', 'dense_5', 6],
      ['prototype', 'concatenate_1', 7],
    ] as const) {
      // JSON.parse keeps "__proto__" as an own key; copying it key by key would set a prototype.
      const hostile = text.replace(
        `"name":"${layer}","trainable":true`,
        `"name":"${layer}","trainable":true,"${key}":{"polluted":"yes","name":"evil","units":1}`,
      );
      await expectFileRefused(
        modelJson,
        hostile,
        literally(
          `loadModel: model file ${modelJson}: layer "${layer}": modelTopology.config.layers[${index}].config.${key} is a key named "${key}", which a model file may not use.`,
        ),
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).name).toBeUndefined();
    }
  });

  test('deeper inside a layer (an initializer config) and in a trainingConfig', async () => {
    const { modelJson, text } = await savedChurn(true);
    const json = JSON.parse(text);
    const hostile = text.replace(
      '"kernel_initializer":{"class_name":"GlorotUniform","config":{',
      '"kernel_initializer":{"class_name":"GlorotUniform","config":{"__proto__":{"seed":7},',
    );
    expect(hostile).not.toBe(text);
    await expectFileRefused(
      modelJson,
      hostile,
      /layer "dense_1": modelTopology\.config\.layers\[1\]\.config\.kernel_initializer\.config\.__proto__ is a key named "__proto__"/,
    );
    json.trainingConfig = JSON.parse(JSON.stringify(json.trainingConfig).replace('{', '{"__proto__":{"loss":"evil"},'));
    await expectFileRefused(
      modelJson,
      JSON.stringify(json),
      /: trainingConfig\.__proto__ is a key named "__proto__", which a model file may not use\./,
    );
    expect(({} as Record<string, unknown>).loss).toBeUndefined();
  });
});

describe('wrong field types in a layer config are ValueErrors naming the layer', () => {
  test('strings for numbers, objects for lists, unknown activations', async () => {
    const { modelJson, text } = await savedChurn();
    for (const [from, to, message] of [
      ['"units":15', '"units":"15"', /layer "dense_2" \(Dense\): .*units/],
      ['"units":15', '"units":1e400', /layer "dense_2" \(Dense\): .*units/],
      ['"activation":"relu"', '"activation":{"x":1}', /layer "dense_1" \(Dense\): .*activation/],
      ['"axis":-1', '"axis":"last"', /layer "concatenate_1" \(Concatenate\): .*axis/],
      [
        '"inbound_nodes":[[["dense_1"',
        '"inbound_nodes":[[[{"a":1}',
        /expected \[layerName, nodeIndex, tensorIndex\], but got \[\{"a":1\}/,
      ],
    ] as const) {
      expect(text).toContain(from);
      const error = await expectFileRefused(modelJson, text.replace(from, to), message);
      expect(error.message.startsWith(`loadModel: model file ${modelJson}: `)).toBe(true);
    }
  });
});

describe('a refused load leaves tf.memory() where it was', () => {
  test('failing while building, while assigning weights, and while applying the trainingConfig', async () => {
    const { modelJson, text } = await savedChurn(true);
    const json = JSON.parse(text);
    const memory = tf.memory();
    // The last layer refers to a layer that does not exist, after seven layers were built.
    const unknownInbound = JSON.parse(text);
    unknownInbound.modelTopology.config.layers.at(-1).inbound_nodes = [[['nowhere', 0, 0, {}]]];
    await expectFileRefused(
      modelJson,
      JSON.stringify(unknownInbound),
      /refers to layer "nowhere", which is not in the model/,
    );
    const wrongShape = JSON.parse(text);
    // Same byte count, other shapes: the manifest and the file agree, the model does not.
    wrongShape.weightsManifest[0].weights[0].shape = [5, 20];
    await expectFileRefused(
      modelJson,
      JSON.stringify(wrongShape),
      /weight dense_1\/kernel has shape \[5, 20\] in the weightsManifest, but the model expects \[10, 10\]/,
    );
    json.trainingConfig.optimizer_config.class_name = 'Adamax';
    await expectFileRefused(
      modelJson,
      JSON.stringify(json),
      /trainingConfig: unknown optimizer class "Adamax"; expected one of Adam, SGD, Momentum, RMSProp, Adagrad, RMSprop\./,
    );
    expect(tf.memory().numTensors).toBe(memory.numTensors);
    expect(tf.memory().numBytes).toBe(memory.numBytes);
  });
});
