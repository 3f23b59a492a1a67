// Loads the native backend in a worker thread (from dist/: build first) and runs the convnet's
// convolution and pooling kernels (test-support/conv-kernels.mjs) on inputs sent by the test.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { registerNativeBackend } from '../dist/index.js';
import { runConvKernels } from './conv-kernels.mjs';

registerNativeBackend();
await tf.setBackend('native');
parentPort.postMessage({ backend: tf.getBackend(), results: runConvKernels(tf, workerData) });
