import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../tf.js';
import { setBackend } from '../backend.js';
import { RuntimeError } from '../errors.js';
import { layers } from '../layers/index.js';
import { input } from '../layers/input-layer.js';
import { sequential } from './sequential.js';
import { model as functionalModel } from './model.js';

beforeAll(async () => {
  await setBackend('cpu');
});

function compiledModel() {
  const m = sequential([
    layers.dense({ units: 4, inputShape: [3], activation: 'relu' }),
    layers.dense({ units: 2, activation: 'softmax' }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return m;
}

describe('model.dispose()', () => {
  it('frees every tensor the model made: tf.memory() returns to where it was before the model', async () => {
    const x = tf.ones([8, 3]);
    const y = tf.tensor2d([0, 1, 0, 1, 1, 0, 0, 1].map((c) => [1 - c, c]));
    const before = tf.memory().numTensors;
    const m = compiledModel();
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, seed: 1 });
    tf.dispose(m.predict(x));
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('predict, evaluate, fit, save, getWeights and setWeights then say the model was disposed', async () => {
    const m = compiledModel();
    const x = tf.ones([2, 3]);
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const weights = m.getWeights();
    m.dispose();
    const message = (op: string) =>
      `Model ${m.name} was disposed: ${op} needs its weights, which dispose() freed. Build or load the model again.`;
    expect(() => m.predict(x)).toThrow(RuntimeError);
    expect(() => m.predict(x)).toThrow(message('predict'));
    expect(() => m.evaluate(x, y)).toThrow(message('evaluate'));
    expect(() => m.getWeights()).toThrow(message('getWeights'));
    expect(() => m.setWeights(weights)).toThrow(message('setWeights'));
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(message('fit'));
    const dir = mkdtempSync(join(tmpdir(), 'fnn-dispose-'));
    try {
      await expect(m.save(`file://${dir}/model`)).rejects.toThrow(message('save'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(m.isDisposed).toBe(true);
    m.dispose(); // a second call does nothing
    tf.dispose([x, y, ...weights]);
  });

  it('a model sharing a layer with a disposed model names the freed weight', () => {
    const shared = layers.dense({ units: 2, name: 'shared_dense' });
    const a = input({ shape: [3] });
    const first = functionalModel({ inputs: a, outputs: shared.apply(a) });
    const b = input({ shape: [3] });
    const second = functionalModel({ inputs: b, outputs: shared.apply(b) });
    first.dispose();
    expect(second.isDisposed).toBe(true);
    const x = tf.ones([1, 3]);
    expect(() => second.predict(x)).toThrow(
      `Model ${second.name}: weight shared_dense/kernel was disposed (by dispose() on a model or layer sharing it); predict needs it.`,
    );
    x.dispose();
  });

  it('a model that was never built can be disposed', () => {
    const m = sequential();
    m.add(layers.dense({ units: 2 }));
    expect(() => m.dispose()).not.toThrow();
  });
});
