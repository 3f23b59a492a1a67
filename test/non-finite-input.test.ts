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

describe('non-finite input through Conv2D (relu fused into the convolution on wasm and native)', () => {
  it('gives NaN exactly where tfjs-cpu does', async () => {
    const outputs: Record<string, number[]> = {};
    for (const backend of BACKENDS) {
      await setBackend(backend, { quiet: true });
      const m = sequential([
        layers.conv2d({
          filters: 4,
          kernelSize: 3,
          activation: 'relu',
          inputShape: [6, 6, 1],
          kernelInitializer: initializers.glorotUniform({ seed: 4 }),
        }),
      ]);
      // Input values of both signs so that relu clamps some outputs; NaN and -Infinity in one corner.
      const values = Float32Array.from({ length: 36 }, (_, i) => Math.sin(i * 1.7));
      values[0] = Number.NaN;
      values[35] = Number.NEGATIVE_INFINITY;
      const x = tf.tensor4d(values, [1, 6, 6, 1]);
      const y = m.predict(x) as tf.Tensor;
      outputs[backend] = Array.from(y.dataSync());
      tf.dispose([x, y]);
      m.dispose();
    }
    const nanAt = (v: number[]) => v.flatMap((value, i) => (Number.isNaN(value) ? [i] : []));
    expect(nanAt(outputs.cpu!).length).toBeGreaterThan(0);
    for (const backend of ['wasm', 'native']) {
      expect(nanAt(outputs[backend]!)).toEqual(nanAt(outputs.cpu!));
      outputs[backend]!.forEach((value, i) => {
        if (!Number.isNaN(value)) expect(value).toBeCloseTo(outputs.cpu![i]!, 5);
      });
    }
  });
});
