import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../tf.js';
import { setBackend } from '../backend.js';
import { resetNames } from '../naming.js';
import { SeededRandom } from '../random.js';
import { initializers } from '../initializers/index.js';
import { dense } from '../layers/dense.js';
import { input } from '../layers/input-layer.js';
import { add } from '../layers/add.js';
import { model } from '../models/model.js';
import type { LayerWeight } from '../layers/layer-weight.js';
import { computeGradients } from './train-step.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** in → a, b (Dense 4 each) → shared (Dense 4) on each, added → out (Dense 2): `shared` is called twice. */
function sharedLayerModel() {
  resetNames();
  const x = input({ shape: [3] });
  const a = dense({ units: 4, activation: 'tanh', kernelInitializer: initializers.glorotUniform({ seed: 1 }) }).apply(
    x,
  );
  const shared = dense({
    units: 4,
    activation: 'tanh',
    name: 'shared',
    kernelInitializer: initializers.glorotUniform({ seed: 2 }),
  });
  const b = dense({
    units: 4,
    activation: 'relu',
    name: 'b',
    kernelInitializer: initializers.glorotUniform({ seed: 4 }),
  }).apply(x);
  const merged = add().apply([shared.apply(a), shared.apply(b)]);
  const out = dense({
    units: 2,
    activation: 'softmax',
    name: 'out',
    kernelInitializer: initializers.glorotUniform({ seed: 3 }),
  }).apply(merged);
  const m = model({ inputs: x, outputs: out });
  m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('computeGradients hooks', () => {
  it("give the loss before any gradient, then each weight's final gradient once, last layers first", () => {
    const m = sharedLayerModel();
    const x = tf.tensor2d([
      [0.1, -0.4, 0.9],
      [0.3, 0.2, -0.6],
    ]);
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const events: string[] = [];
    const seen = new Map<LayerWeight, number[]>();
    tf.tidy(() => {
      const result = computeGradients(
        m,
        { inputs: [x], targets: [y] },
        { training: true, random: new SeededRandom(1) },
        {
          afterLoss: (loss, metrics) =>
            void events.push(`loss ${loss.dataSync()[0]!.toFixed(6)} ${Object.keys(metrics).join(',')}`),
          onWeightGradient: (weight, gradient: Tensor) => {
            events.push(weight.name);
            seen.set(weight, Array.from(gradient.dataSync()));
          },
        },
      );
      expect(events[0]).toBe(`loss ${result.loss.dataSync()[0]!.toFixed(6)} accuracy`);
      // The shared layer's gradient arrives once, after both of its calls, summed over them.
      expect(events.slice(1)).toEqual([
        'out/kernel',
        'out/bias',
        'shared/kernel',
        'shared/bias',
        'b/kernel',
        'b/bias',
        'dense_1/kernel',
        'dense_1/bias',
      ]);
      m.trainableWeights.forEach((w, i) => {
        expect(seen.get(w)).toEqual(Array.from(result.gradients[i]!.dataSync()));
      });
    });
    tf.dispose([x, y]);
  });
});
