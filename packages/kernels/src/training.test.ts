// A training run of a small MLP through @fnn/core (its sources; core loads this package's
// dist/ for the 'native' backend) gives the same weights on 'native' as on tfjs-cpu.
import { describe, expect, it } from 'vitest';
import {
  getBackend,
  initializers,
  layers,
  resetNames,
  sequential,
  setBackend,
  tf,
  type BackendName,
} from '../../core/src/index.js';

async function train(backend: BackendName, batchNorm = false): Promise<Float32Array[]> {
  await setBackend(backend, { quiet: true });
  expect(getBackend()).toBe(backend);
  resetNames();
  const model = sequential(
    batchNorm
      ? [
          // No bias before batch norm: its gradient is zero up to rounding, which Adam would amplify.
          layers.dense({
            units: 24,
            inputShape: [30],
            useBias: false,
            kernelInitializer: initializers.glorotUniform({ seed: 1 }),
          }),
          layers.batchNormalization({}),
          layers.activation({ activation: 'relu' }),
          layers.dropout({ rate: 0.2, seed: 3 }),
          layers.dense({ units: 10, useBias: false, kernelInitializer: initializers.glorotUniform({ seed: 2 }) }),
          layers.batchNormalization({}),
          layers.activation({ activation: 'softmax' }),
        ]
      : [
          layers.dense({
            units: 24,
            activation: 'relu',
            inputShape: [30],
            kernelInitializer: initializers.glorotUniform({ seed: 1 }),
          }),
          layers.dropout({ rate: 0.2, seed: 3 }),
          layers.dense({
            units: 10,
            activation: 'softmax',
            kernelInitializer: initializers.glorotUniform({ seed: 2 }),
          }),
        ],
  );
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const n = 96;
  const x = tf.tensor2d(
    Float32Array.from({ length: n * 30 }, (_, i) => Math.sin(i * 0.37)),
    [n, 30],
  );
  const y = tf.cast(
    tf.oneHot(
      tf.tensor1d(
        Int32Array.from({ length: n }, (_, i) => (i * 7) % 10),
        'int32',
      ),
      10,
    ),
    'float32',
  );
  await model.fit(x, y, { epochs: 2, batchSize: 32, seed: 5, verbose: 0, shuffle: true });
  // All weights, batch norm's moving statistics included.
  return model.weights.map((w) => Float32Array.from(w.read().dataSync()));
}

function expectSameWeights(native: Float32Array[], cpu: Float32Array[], tolerance: number): void {
  expect(native.map((w) => w.length)).toEqual(cpu.map((w) => w.length));
  cpu.forEach((want, k) => {
    for (let i = 0; i < want.length; i++) {
      const allowed = tolerance * Math.max(1, Math.abs(want[i]!));
      if (!(Math.abs(native[k]![i]! - want[i]!) <= allowed))
        throw new Error(`weight ${k}[${i}]: native ${native[k]![i]}, cpu ${want[i]}`);
    }
  });
}

function glorot(shape: number[], seed: number): Float32Array {
  return tf.tidy(() => initializers.glorotUniform({ seed }).apply(shape).dataSync() as Float32Array).slice();
}

describe('training through @fnn/core', () => {
  it("fit on 'native' matches fit on 'cpu' within 1e-5 (Dense, relu, dropout, softmax, Adam)", async () => {
    const cpu = await train('cpu');
    const native = await train('native');
    expectSameWeights(native, cpu, 1e-5);
    // Training moved the weights (this is not a comparison of two untouched initializations)...
    const initial = glorot([30, 24], 1);
    expect(cpu[0]!.some((w, i) => Math.abs(w - initial[i]!) > 1e-4)).toBe(true);
    // ...and a second native run gives the same bits.
    const again = await train('native');
    expect(again.every((w, k) => Buffer.from(w.buffer).equals(Buffer.from(native[k]!.buffer)))).toBe(true);
  });

  it("with batch normalization (the fused native path) 'native' matches 'cpu' within 1e-5, moving statistics included", async () => {
    const cpu = await train('cpu', true);
    const native = await train('native', true);
    expectSameWeights(native, cpu, 1e-5);
  });
});
