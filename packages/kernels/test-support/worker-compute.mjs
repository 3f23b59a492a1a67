// Loads the native backend in a worker thread (from dist/: build first) and computes a fused
// matmul and an Adam step on inputs sent by the test, returning the raw results.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { nativeAdamUpdate, nativeIsa, registerNativeBackend } from '../dist/index.js';

registerNativeBackend();
await tf.setBackend('native');
const { a, b, bias, param, grad } = workerData;
const y = tf.fused.matMul({
  a: tf.tensor2d(a, [64, 100]),
  b: tf.tensor2d(b, [100, 30]),
  bias: tf.tensor1d(bias),
  activation: 'relu',
});
const p = Float32Array.from(param);
nativeAdamUpdate(
  [p],
  [grad],
  { m: [new Float32Array(p.length)], v: [new Float32Array(p.length)] },
  {
    lr: 0.001,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    step: 1,
  },
);
parentPort.postMessage({ backend: tf.getBackend(), isa: nativeIsa(), y: y.dataSync(), p });
