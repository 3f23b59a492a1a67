// The addon loads in several worker threads at once (the trainer runs one replica per worker)
// and gives each the same bits as the main thread.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nativeAdamUpdate, registerNativeBackend } from './index.js';

const script = new URL('../test-support/worker-compute.mjs', import.meta.url);
const random = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 12.9898) * 0.5);

describe('worker threads', () => {
  it('two workers load the native backend simultaneously and match the main thread bit for bit', async () => {
    expect(existsSync(new URL('../dist/index.js', import.meta.url)), 'build @fnn/kernels (tsc) before this test').toBe(
      true,
    );
    const data = {
      a: random(6400, 1),
      b: random(3000, 2),
      bias: random(30, 3),
      param: random(1000, 4),
      grad: random(1000, 5),
    };
    const run = () =>
      new Promise<{ backend: string; isa: string; y: Float32Array; p: Float32Array }>((resolve, reject) => {
        const worker = new Worker(script, { workerData: data });
        worker.once('message', (message) => {
          resolve(message);
          void worker.terminate();
        });
        worker.once('error', reject);
      });
    const [first, second] = await Promise.all([run(), run()]);

    registerNativeBackend();
    await tf.setBackend('native');
    const y = tf.tidy(() =>
      tf.fused
        .matMul({
          a: tf.tensor2d(data.a, [64, 100]),
          b: tf.tensor2d(data.b, [100, 30]),
          bias: tf.tensor1d(data.bias),
          activation: 'relu',
        })
        .dataSync(),
    );
    const p = data.param.slice();
    nativeAdamUpdate(
      [p],
      [data.grad],
      { m: [new Float32Array(1000)], v: [new Float32Array(1000)] },
      {
        lr: 0.001,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        step: 1,
      },
    );

    for (const result of [first, second]) {
      expect(result.backend).toBe('native');
      expect(Buffer.from(result.y.buffer).equals(Buffer.from(y.buffer))).toBe(true);
      expect(Buffer.from(result.p.buffer).equals(Buffer.from(p.buffer))).toBe(true);
    }
    // And the values are right: relu(a·b + bias) against a direct double-precision loop.
    for (const [i, j] of [
      [0, 0],
      [63, 29],
      [17, 5],
    ] as const) {
      let sum = data.bias[j]!;
      for (let k = 0; k < 100; k++) sum += data.a[i * 100 + k]! * data.b[k * 30 + j]!;
      expect(y[i * 30 + j]).toBeCloseTo(Math.max(0, sum), 4);
    }
  });
});
