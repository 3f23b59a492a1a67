// A NaN or infinity in the data must surface on every backend as it does on tfjs-cpu: `fit`
// stops with the documented non-finite-loss error and `evaluate` returns a NaN loss. The fused
// kernels (native's FnnDense, wasm's XNNPACK matmul with a fused relu) once turned NaN into 0,
// so training went on with finite losses while the weights filled with NaN.
import { describe, expect, it } from 'vitest';
import { initializers, layers, sequential, setBackend, tf } from '@fnn/core';

const BACKENDS = ['cpu', 'wasm', 'native'] as const;
const ROWS = 32;
const FEATURES = 8;

function model() {
  const m = sequential([
    layers.dense({
      units: 16,
      activation: 'relu',
      inputShape: [FEATURES],
      kernelInitializer: initializers.glorotUniform({ seed: 1 }),
    }),
    layers.dropout({ rate: 0.2, seed: 3 }),
    layers.batchNormalization({}),
    layers.dense({ units: 3, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: 2 }) }),
  ]);
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** Finite inputs with `value` at row 5 (the first batch of 8), and one-hot targets. */
function data(value: number) {
  const values = Float32Array.from({ length: ROWS * FEATURES }, (_, i) => Math.sin(i * 0.37));
  values[5 * FEATURES + 2] = value;
  const x = tf.tensor2d(values, [ROWS, FEATURES]);
  const labels = tf.tensor1d(
    Array.from({ length: ROWS }, (_, i) => i % 3),
    'int32',
  );
  const y = tf.cast(tf.oneHot(labels, 3), 'float32');
  labels.dispose();
  return { x, y };
}

describe.each(BACKENDS)('non-finite input on %s', (backend) => {
  for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    it(`fit stops with the non-finite-loss error and evaluate returns NaN for ${value} in x`, async () => {
      await setBackend(backend, { quiet: true });
      expect(tf.getBackend()).toBe(backend);
      const { x, y } = data(value);
      const m = model();
      const [loss, accuracy] = m.evaluate(x, y, { batchSize: 8 }) as tf.Tensor[];
      expect(loss!.dataSync()[0]).toBeNaN();
      expect(accuracy!.dataSync()[0]).not.toBeNaN();
      // The finite rows alone evaluate to a finite loss: the NaN comes from the bad row only.
      const clean = m.evaluate(tf.slice(x, [8, 0], [24, FEATURES]), tf.slice(y, [8, 0], [24, 3])) as tf.Tensor[];
      expect(Number.isFinite(clean[0]!.dataSync()[0])).toBe(true);
      await expect(m.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 })).rejects.toThrow(
        /^fit \(model \w+\): the loss became (NaN|Infinity|-Infinity) at epoch 1\/1, batch 1\/4; training stopped\. .*check the data for NaN or infinite values/,
      );
      tf.dispose([x, y, loss!, accuracy!, ...clean]);
      m.dispose();
    });
  }
});
