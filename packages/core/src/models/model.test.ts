import { beforeAll, describe, expect, test } from 'vitest';
import { add, input, layers, model, resetNames, sequential, setBackend, tf, type SymbolicTensor } from '../index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('model({inputs, outputs}) construction errors', () => {
  test('an output that needs an input the model was not given names that input and who uses it', () => {
    resetNames();
    const a = input({ shape: [2] });
    const b = input({ shape: [2] });
    const y = add([layers.dense({ units: 3 }).apply(a), layers.dense({ units: 3 }).apply(b)]);
    expect(() => model({ inputs: a, outputs: y })).toThrow(
      "Model model_1: graph disconnected: the outputs need input input_2 (used by dense_2), which is not among the model's inputs [input_1]; add it to inputs.",
    );
  });

  test('an input that no output depends on', () => {
    resetNames();
    const a = input({ shape: [2] });
    const b = input({ shape: [4] });
    expect(() => model({ inputs: [a, b], outputs: layers.dense({ units: 1 }).apply(a) })).toThrow(
      'Model model_1: input input_2 is not connected to any of the outputs [dense_1[0][0]].',
    );
  });

  test('a layer output passed as an input', () => {
    resetNames();
    const a = input({ shape: [2] });
    const h = layers.dense({ units: 3 }).apply(a);
    expect(() => model({ inputs: h, outputs: layers.dense({ units: 1 }).apply(h) })).toThrow(
      'Model model_1: inputs must come from input() or an InputLayer, but dense_1[0][0] comes from layer dense_1 (Dense).',
    );
  });

  test('the same input twice', () => {
    resetNames();
    const a = input({ shape: [2] });
    expect(() => model({ inputs: [a, a], outputs: layers.dense({ units: 1 }).apply(a) })).toThrow(
      'Model model_1: input input_1 is listed twice in inputs; each input must appear once.',
    );
  });

  test('concrete tensors, layers and other values where symbolic tensors belong', () => {
    resetNames();
    const a = input({ shape: [2] });
    const dense = layers.dense({ units: 1 });
    const y = dense.apply(a);
    expect(() => model({ inputs: tf.zeros([1, 2]) as unknown as SymbolicTensor, outputs: y })).toThrow(
      'Model model_1: inputs[0] must be a symbolic tensor from input() or layer.apply(), but got a concrete tensor of shape [1, 2].',
    );
    expect(() => model({ inputs: a, outputs: [y, dense as unknown as SymbolicTensor] })).toThrow(
      'Model model_2: outputs[1] must be a symbolic tensor from input() or layer.apply(), but got the layer dense_1 itself (pass the result of its apply()).',
    );
    expect(() => model({ inputs: a, outputs: [undefined as unknown as SymbolicTensor] })).toThrow(
      'Model model_3: outputs[0] must be a symbolic tensor from input() or layer.apply(), but got undefined.',
    );
    expect(() => model({ inputs: [], outputs: y })).toThrow(
      'Model model_4: expected at least one input and one output, but got 0 inputs and 1 outputs.',
    );
  });

  test('two layers with the same name (saved weights are keyed by it)', () => {
    resetNames();
    const a = input({ shape: [2] });
    const y = layers.dense({ units: 1, name: 'head' }).apply(layers.dense({ units: 3, name: 'head' }).apply(a));
    expect(() => model({ inputs: a, outputs: y })).toThrow(
      'Model model_1: the layer name "head" is used by 2 layers; layer names must be unique within a model.',
    );
    const s = sequential([
      layers.dense({ units: 3, inputDim: 2, name: 'twin' }),
      layers.dense({ units: 1, name: 'twin' }),
    ]);
    expect(() => s.summary()).toThrow(
      'Sequential sequential_1: the layer name "twin" is used by 2 layers; layer names must be unique within a model.',
    );
  });
});
