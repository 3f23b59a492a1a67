import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../backend.js';
import { resetNames } from '../naming.js';
import { layers } from '../layers/index.js';
import { sequential } from '../models/sequential.js';
import { compileModel, serializeCompileArgs } from './compile.js';
import { Adam, SGD } from './optimizers/index.js';
import { losses } from './losses.js';

beforeAll(async () => {
  await setBackend('wasm');
});

function m() {
  resetNames();
  return sequential([layers.dense({ units: 10, activation: 'softmax', inputShape: [784] })]);
}

describe('compile', () => {
  it('resolves optimizer, loss and metrics, and orders the log keys as Keras', () => {
    const model = m();
    model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
    expect(model.compiled!.optimizer).toBeInstanceOf(Adam);
    expect(model.compiled!.outputs[0]!.loss).toBe(losses.categoricalCrossentropy);
    expect(model.compiled!.logKeys).toEqual(['loss', 'accuracy']);
    const sgd = new SGD({ momentum: 0.9 });
    model.compile({ optimizer: sgd, loss: 'mse' });
    expect(model.compiled!.optimizer).toBe(sgd);
    expect(model.compiled!.logKeys).toEqual(['loss']);
  });

  it('serializes to plain JSON that compiles an equal configuration (as a worker does)', () => {
    const model = m();
    model.compile({
      optimizer: new Adam({ learningRate: 0.01, beta2: 0.99 }),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy', 'categorical_accuracy'],
    });
    const json = JSON.parse(JSON.stringify(serializeCompileArgs(model.compiled!))) as ReturnType<
      typeof serializeCompileArgs
    >;
    expect(json).toEqual({
      optimizer: { className: 'Adam', config: { learningRate: 0.01, beta1: 0.9, beta2: 0.99, epsilon: 1e-7 } },
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy', 'categorical_accuracy'],
    });
    const replica = m();
    compileModel(replica, json);
    expect(replica.compiled!.optimizer).not.toBe(model.compiled!.optimizer);
    expect(replica.compiled!.optimizer.getConfig()).toEqual(model.compiled!.optimizer.getConfig());
    expect(replica.compiled!.logKeys).toEqual(['loss', 'accuracy', 'categorical_accuracy']);
    model.compile({ optimizer: 'adam', loss: losses.meanSquaredError });
    expect(() => serializeCompileArgs(model.compiled!)).toThrow(
      'serializeCompileArgs: the loss "mean_squared_error" was given as an object, which cannot be sent to a worker; give it by name.',
    );
  });

  it('rejects unknown names and mismatched loss lists', () => {
    const model = m();
    expect(() => model.compile({ optimizer: 'adamax', loss: 'mse' })).toThrow(
      'compile (model sequential_1): unknown optimizer "adamax"; expected one of adam, sgd, rmsprop, adagrad or an optimizer instance.',
    );
    expect(() => model.compile({ optimizer: 'adam', loss: 'hinge' })).toThrow(
      /compile \(model sequential_1\): unknown loss "hinge"; expected one of/,
    );
    expect(() => model.compile({ optimizer: 'adam', loss: ['mse', 'mse'] })).toThrow(
      'compile (model sequential_1): expected one loss per output (1: dense_1), but got 2.',
    );
  });
});
