import { beforeAll, describe, expect, test } from 'vitest';
import * as tfjs from '@tensorflow/tfjs';
import {
  SeededRandom,
  add,
  concatenate,
  input,
  layers,
  model,
  modelFromJSON,
  resetNames,
  sequential,
  setBackend,
  tf,
  type LayersModel,
  type Tensor,
} from '../index.js';
// @ts-expect-error plain ES module shared with the examples and the sweep app
import * as lesson from '../../examples/lesson-models.mjs';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Gives every weight seeded values (moving variances positive), so predictions depend on all of them. */
function randomizeWeights(m: LayersModel, seed: number): void {
  const random = new SeededRandom(seed);
  m.setWeights(
    m.weights.map((w) => {
      const values = Float32Array.from({ length: w.size }, () =>
        w.name.endsWith('moving_variance') ? random.uniform(0.5, 1.5) : random.uniform(-0.5, 0.5),
      );
      return tf.tensor(values, w.shape);
    }),
  );
}

function randomInputs(m: LayersModel, batch: number, seed: number): Tensor[] {
  const random = new SeededRandom(seed);
  return m.inputs.map((t) => {
    const shape = [batch, ...t.shape.slice(1).map((d) => d!)];
    return tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.uniform(-1, 1)),
      shape,
    );
  });
}

/**
 * tfjs-layers orders a model's weights all trainable first, we order them layer by layer
 * (Keras's get_weights): copy by name.
 */
function ourWeightsInTheirOrder(ours: LayersModel, theirs: tfjs.LayersModel): Tensor[] {
  const byName = new Map(ours.weights.map((w) => [w.name, w.read()]));
  return theirs.weights.map((w) => byName.get(w.originalName)!);
}

function theirWeightsInOurOrder(theirs: tfjs.LayersModel, ours: LayersModel): Tensor[] {
  const byName = new Map(theirs.weights.map((w) => [w.originalName, w.read()]));
  return ours.weights.map((w) => byName.get(w.name)!);
}

function maxDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}

function outputsOf(m: LayersModel, xs: Tensor[]): Tensor[] {
  const out = m.predict(xs.length === 1 ? xs[0]! : xs);
  return Array.isArray(out) ? out : [out];
}

/** Every layer kind, in a chain: convolution, pooling, reshaping, normalization, dropout. */
function everyLayerSequential(): LayersModel {
  return sequential([
    layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [6, 6, 2] }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.flatten(),
    layers.dense({ units: 8, kernelInitializer: 'heNormal' }),
    layers.batchNormalization({ momentum: 0.9, epsilon: 0.01 }),
    layers.activation({ activation: 'tanh' }),
    layers.dropout({ rate: 0.3 }),
    layers.reshape({ targetShape: [2, 4] }),
    layers.flatten(),
    layers.dense({ units: 3, activation: 'softmax', useBias: false }),
  ]);
}

/** A graph with two inputs, two outputs, a shared layer, concatenate and add. */
function branchyFunctional(): LayersModel {
  const a = input({ shape: [4] });
  const b = input({ shape: [4] });
  const shared = layers.dense({ units: 5, activation: 'elu' });
  const sa = shared.apply(a);
  const sb = shared.apply(b);
  const joined = concatenate([sa, sb]);
  const summed = add([sa, sb]);
  const out1 = layers.dense({ units: 2, activation: 'sigmoid' }).apply(joined);
  const out2 = layers.batchNormalization().apply(summed);
  return model({ inputs: [a, b], outputs: [out1, out2], name: 'branchy' });
}

describe('toJSON', () => {
  test('a Sequential is written as tfjs-layers writes it', () => {
    resetNames();
    const m = sequential([
      layers.dense({ units: 2, inputShape: [3], activation: 'relu' }),
      layers.dropout({ rate: 0.5 }),
    ]);
    expect(m.toJSON()).toEqual({
      class_name: 'Sequential',
      config: {
        name: 'sequential_1',
        layers: [
          {
            class_name: 'Dense',
            config: {
              name: 'dense_1',
              trainable: true,
              batch_input_shape: [null, 3],
              dtype: 'float32',
              units: 2,
              activation: 'relu',
              use_bias: true,
              kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
              bias_initializer: { class_name: 'Zeros', config: {} },
              kernel_regularizer: null,
              bias_regularizer: null,
              activity_regularizer: null,
              kernel_constraint: null,
              bias_constraint: null,
            },
          },
          {
            class_name: 'Dropout',
            config: { name: 'dropout_1', trainable: true, dtype: 'float32', rate: 0.5, noise_shape: null, seed: null },
          },
        ],
      },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    });
  });

  test('a functional model lists each layer with its inbound nodes, inputs and outputs', () => {
    resetNames();
    const x = input({ shape: [3], name: 'features' });
    const h = layers.dense({ units: 4, name: 'hidden' }).apply(x);
    const y = add([h, layers.dense({ units: 4 }).apply(x)]);
    const json = model({ inputs: x, outputs: y }).toJSON();
    expect(json.class_name).toBe('Model');
    const config = json.config as {
      name: string;
      layers: { name: string; class_name: string; inbound_nodes: unknown }[];
      input_layers: unknown;
      output_layers: unknown;
    };
    expect(config.name).toBe('model_1');
    expect(config.layers.map((l) => [l.name, l.class_name, l.inbound_nodes])).toEqual([
      ['features', 'InputLayer', []],
      ['hidden', 'Dense', [[['features', 0, 0, {}]]]],
      ['dense_1', 'Dense', [[['features', 0, 0, {}]]]],
      [
        'add_1',
        'Add',
        [
          [
            ['hidden', 0, 0, {}],
            ['dense_1', 0, 0, {}],
          ],
        ],
      ],
    ]);
    expect(config.layers[0]).toEqual({
      name: 'features',
      class_name: 'InputLayer',
      inbound_nodes: [],
      config: { batch_input_shape: [null, 3], dtype: 'float32', sparse: false, name: 'features' },
    });
    expect(config.input_layers).toEqual([['features', 0, 0]]);
    expect(config.output_layers).toEqual([['add_1', 0, 0]]);
  });

  test("a layer shared with another model keeps only this graph's calls, renumbered from 0", () => {
    resetNames();
    const shared = layers.dense({ units: 2 });
    shared.apply(input({ shape: [3] })); // call 0 belongs to no model below
    const x = input({ shape: [3] });
    const json = model({ inputs: x, outputs: layers.dense({ units: 1 }).apply(shared.apply(x)) }).toJSON();
    const entries = (json.config as { layers: { name: string; inbound_nodes: unknown }[] }).layers;
    expect(entries.map((l) => [l.name, l.inbound_nodes])).toEqual([
      ['input_2', []],
      ['dense_1', [[['input_2', 0, 0, {}]]]],
      ['dense_2', [[['dense_1', 0, 0, {}]]]],
    ]);
  });

  test('a Sequential started with an inputLayer or build() carries the input shape on its first layer', () => {
    resetNames();
    const withInputLayer = sequential([layers.inputLayer({ inputShape: [5] }), layers.dense({ units: 2 })]);
    const built = sequential([layers.dense({ units: 2 })]);
    built.build([null, 5]);
    for (const m of [withInputLayer, built]) {
      const first = (m.toJSON().config as { layers: { config: Record<string, unknown> }[] }).layers[0]!;
      expect(first.config.batch_input_shape).toEqual([null, 5]);
      expect(modelFromJSON(m.toJSON()).inputs[0]!.shape).toEqual([null, 5]);
    }
  });
});

describe('modelFromJSON round trips', () => {
  const builders: Record<string, () => LayersModel> = {
    ...(lesson.lessonModels as Record<string, () => LayersModel>),
    'every layer (Sequential)': everyLayerSequential,
    'two inputs, two outputs, shared layer': branchyFunctional,
  };
  for (const [id, build] of Object.entries(builders)) {
    test(`${id}: same JSON, names, weight order and predictions`, () => {
      resetNames();
      const original = build();
      randomizeWeights(original, 7);
      const json = original.toJSON();
      const rebuilt = modelFromJSON(JSON.stringify(json));
      expect(rebuilt.toJSON()).toEqual(json);
      expect(rebuilt.constructor).toBe(original.constructor);
      expect(rebuilt.layers.map((l) => `${l.name}:${l.className}`)).toEqual(
        original.layers.map((l) => `${l.name}:${l.className}`),
      );
      expect(rebuilt.weights.map((w) => `${w.name}:${w.shape}:${w.trainable}`)).toEqual(
        original.weights.map((w) => `${w.name}:${w.shape}:${w.trainable}`),
      );
      expect(rebuilt.trainableWeights.map((w) => w.name)).toEqual(original.trainableWeights.map((w) => w.name));
      rebuilt.setWeights(original.getWeights());
      const xs = randomInputs(original, 3, 11);
      const expected = outputsOf(original, xs);
      outputsOf(rebuilt, xs).forEach((y, i) => {
        expect(maxDiff(y, expected[i]!)).toBe(0);
      });
      original.dispose();
      rebuilt.dispose();
    });
  }
});

describe('interchange with tfjs-layers', () => {
  test('tfjs-layers builds the same models from our JSON and predicts the same with our weights', async () => {
    for (const build of [
      everyLayerSequential,
      branchyFunctional,
      lesson.churn as () => LayersModel,
      lesson.wideDeepBn as () => LayersModel,
    ]) {
      resetNames();
      const ours = build();
      randomizeWeights(ours, 3);
      const theirs = await tfjs.models.modelFromJSON({ modelTopology: ours.toJSON() as never });
      expect(theirs.layers.map((l) => `${l.name}:${l.getClassName()}`)).toEqual(
        ours.layers.map((l) => `${l.name}:${l.className}`),
      );
      expect(theirs.countParams()).toBe(ours.countParams());
      theirs.setWeights(ourWeightsInTheirOrder(ours, theirs));
      const xs = randomInputs(ours, 4, 5);
      const expected = outputsOf(ours, xs);
      const got = theirs.predict(xs.length === 1 ? xs[0]! : xs);
      (Array.isArray(got) ? got : [got]).forEach((y, i) => {
        expect(maxDiff(y, expected[i]!)).toBeLessThan(1e-5);
      });
      ours.dispose();
      theirs.dispose();
    }
  });

  test("we build the same models from tfjs-layers' JSON (Sequential with batch_input_shape, functional) and predict the same", () => {
    const seq = tfjs.sequential({
      layers: [
        tfjs.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1], activation: 'relu' }),
        tfjs.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
        tfjs.layers.flatten(),
        tfjs.layers.dense({ units: 6, activation: 'tanh' }),
        tfjs.layers.batchNormalization(),
        tfjs.layers.dropout({ rate: 0.2 }),
        tfjs.layers.reshape({ targetShape: [3, 2] }),
        tfjs.layers.flatten(),
        tfjs.layers.dense({ units: 2 }),
        tfjs.layers.activation({ activation: 'softmax' }),
      ],
    });
    const a = tfjs.input({ shape: [3] });
    const b = tfjs.input({ shape: [2] });
    const da = tfjs.layers.dense({ units: 2, activation: 'relu' }).apply(a) as tfjs.SymbolicTensor;
    const merged = tfjs.layers.concatenate().apply([da, b]) as tfjs.SymbolicTensor;
    const summed = tfjs.layers.add().apply([da, b]) as tfjs.SymbolicTensor;
    const fn = tfjs.model({
      inputs: [a, b],
      outputs: [tfjs.layers.dense({ units: 1, activation: 'sigmoid' }).apply(merged) as tfjs.SymbolicTensor, summed],
    });
    for (const theirs of [seq, fn]) {
      const ours = modelFromJSON(theirs.toJSON(null, false) as object as Record<string, unknown>);
      expect(ours.className).toBe(theirs.getClassName() === 'Sequential' ? 'Sequential' : 'Model');
      expect(ours.layers.map((l) => l.name)).toEqual(theirs.layers.map((l) => l.name));
      expect(new Set(ours.weights.map((w) => w.name))).toEqual(new Set(theirs.weights.map((w) => w.originalName)));
      theirs.setWeights(
        theirs.weights.map((w, i) =>
          tfjs.randomUniform(w.shape, w.name.includes('variance') ? 0.5 : -0.5, 1, 'float32', i),
        ),
      );
      ours.setWeights(theirWeightsInOurOrder(theirs, ours));
      const xs = randomInputs(ours, 4, 9);
      const expected = theirs.predict(xs.length === 1 ? xs[0]! : xs);
      outputsOf(ours, xs).forEach((y, i) => {
        expect(maxDiff(y, (Array.isArray(expected) ? expected : [expected])[i]!)).toBeLessThan(1e-5);
      });
      ours.dispose();
      theirs.dispose();
    }
  });
});

describe('modelFromJSON errors', () => {
  const sequentialWith = (layer: Record<string, unknown>) => ({
    class_name: 'Sequential',
    config: { name: 's', layers: [layer] },
  });

  test('an unknown layer class names the layer and lists the known classes', () => {
    expect(() =>
      modelFromJSON(
        sequentialWith({ class_name: 'LSTM', config: { name: 'lstm_1', units: 4, batch_input_shape: [null, 2, 3] } }),
      ),
    ).toThrow(
      /layer "lstm_1": unknown layer class "LSTM"; known classes are Activation, Add, BatchNormalization, Concatenate, Conv2D, Dense, Dropout, Flatten, InputLayer, MaxPooling2D, Reshape\./,
    );
  });

  test('regularizers and constraints are refused rather than dropped', () => {
    const dense = {
      class_name: 'Dense',
      config: {
        name: 'd',
        units: 2,
        batch_input_shape: [null, 2],
        kernel_regularizer: { class_name: 'L1L2', config: { l1: 0.01, l2: 0 } },
      },
    };
    expect(() => modelFromJSON(sequentialWith(dense))).toThrow(
      /layer "d" \(Dense\): kernelRegularizer is not supported, but the file sets it to \{"className":"L1L2"/,
    );
  });

  test('bad JSON, a wrong model class and a Sequential without an input shape', () => {
    expect(() => modelFromJSON('{"class_name": "Sequential", ')).toThrow(
      /modelFromJSON: the model topology is not valid JSON \(/,
    );
    expect(() => modelFromJSON({ class_name: 'Graph', config: {} })).toThrow(
      /unknown model class "Graph"; expected Sequential, Model or Functional/,
    );
    expect(() => modelFromJSON({ config: {} })).toThrow(
      /expected a model topology like \{class_name: 'Sequential' \| 'Model', config: \{\.\.\.\}\}, but got \{"config":\{\}\}/,
    );
    expect(() => modelFromJSON(sequentialWith({ class_name: 'Dense', config: { name: 'd', units: 2 } }))).toThrow(
      /cannot rebuild Sequential s: .*the first layer \(d\) needs an inputShape or inputDim/,
    );
  });

  test('inbound nodes and outputs that point at missing layers or calls', () => {
    const functional = (layersList: unknown[], outputs: unknown = [['d', 0, 0]]) => ({
      class_name: 'Model',
      config: { name: 'm', layers: layersList, input_layers: [['in', 0, 0]], output_layers: outputs },
    });
    const inputEntry = {
      name: 'in',
      class_name: 'InputLayer',
      config: { name: 'in', batch_input_shape: [null, 2] },
      inbound_nodes: [],
    };
    const dense = (from: string, node = 0) => ({
      name: 'd',
      class_name: 'Dense',
      config: { name: 'd', units: 1 },
      inbound_nodes: [[[from, node, 0, {}]]],
    });
    expect(() => modelFromJSON(functional([inputEntry, dense('nowhere')]))).toThrow(
      /layer d's inbound node refers to layer "nowhere", which is not in the model; layers are in, d\./,
    );
    expect(() => modelFromJSON(functional([inputEntry, dense('in', 3)]))).toThrow(
      /layer d is called on \[\["in", 3, 0, \{\}\]\], but no layer produces that node\./,
    );
    expect(() => modelFromJSON(functional([inputEntry, dense('in')], [['d', 1, 0]]))).toThrow(
      /output_layers entry \["d", 1, 0\] refers to a call that the layers never make\./,
    );
  });
});
