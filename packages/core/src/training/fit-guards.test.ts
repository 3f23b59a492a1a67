import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../tf.js';
import { setBackend } from '../backend.js';
import { RuntimeError, ValueError } from '../errors.js';
import { resetNames } from '../naming.js';
import { layers } from '../layers/index.js';
import { sequential } from '../models/sequential.js';
import { initializers } from '../initializers/index.js';
import { randomNormalTensor } from '../testing/compare.js';

beforeAll(async () => {
  await setBackend('cpu');
});

function twoLayerModel() {
  resetNames();
  const m = sequential([
    layers.dense({
      units: 6,
      inputShape: [4],
      activation: 'relu',
      kernelInitializer: initializers.glorotUniform({ seed: 3 }),
    }),
    layers.dense({ units: 1, kernelInitializer: initializers.glorotUniform({ seed: 4 }) }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  return m;
}

describe('fit refuses a second fit on the same model while one runs', () => {
  it('rejects the second call at once; the first trains exactly as if alone', async () => {
    const x = randomNormalTensor([64, 4], 1);
    const y = randomNormalTensor([64, 1], 2);
    const reference = twoLayerModel();
    await reference.fit(x, y, { epochs: 3, batchSize: 8, seed: 5, verbose: 0 });
    const expected = reference.getWeights().map((w) => w.dataSync().slice());

    const m = twoLayerModel();
    const first = m.fit(x, y, { epochs: 3, batchSize: 8, seed: 5, verbose: 0 });
    const second = m.fit(x, y, { epochs: 3, batchSize: 8, seed: 6, verbose: 0 });
    await expect(second).rejects.toThrow(RuntimeError);
    await expect(second).rejects.toThrow(
      `fit (model ${m.name}): another fit is still running on this model; await it first.`,
    );
    const history = await first;
    expect(history.history.loss).toHaveLength(3);
    // Bit-identical to the lone fit: the refused call did not touch the weights or the optimizer.
    expect(m.getWeights().map((w) => w.dataSync().slice())).toEqual(expected);
    // Once the first has finished, fitting again is allowed, and so is after a fit that failed.
    await expect(m.fit(x, y, { epochs: 1, verbose: 0 })).resolves.toBeDefined();
    const wrongY = tf.ones([64, 3]);
    await expect(m.fit(x, wrongY, { verbose: 0 })).rejects.toThrow(ValueError);
    await expect(m.fit(x, y, { epochs: 1, verbose: 0 })).resolves.toBeDefined();
    tf.dispose([x, y, wrongY]);
  });
});

describe('fit checks validationData is [x, y]', () => {
  it('names what it got for a tensor, a short array or a non-array', async () => {
    const m = twoLayerModel();
    const x = tf.ones([4, 4]);
    const y = tf.ones([4, 1]);
    const owner = `fit (model ${m.name})`;
    const cases: [unknown, string][] = [
      [x, 'a tensor of shape (4, 4)'],
      [[x], 'an array of 1 item(s)'],
      [[x, y, y], 'an array of 3 item(s)'],
      ['val', '"val"'],
      [null, 'null'],
    ];
    for (const [validationData, received] of cases) {
      await expect(m.fit(x, y, { validationData: validationData as never, verbose: 0 })).rejects.toThrow(
        `${owner}: expected validationData to be [x, y] (each a tensor or an array of tensors), but got ${received}.`,
      );
    }
    // And the pair itself is checked as before, naming it.
    const wrongY = tf.ones([4, 2]);
    await expect(m.fit(x, y, { validationData: [x, wrongY], verbose: 0 })).rejects.toThrow(`${owner} validationData`);
    const history = await m.fit(x, y, { validationData: [x, y], verbose: 0 });
    expect(history.history.val_loss).toHaveLength(1);
    tf.dispose([x, y, wrongY]);
  });
});
