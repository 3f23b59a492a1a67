// Run with FNN_NATIVE_ISA=avx2|portable (loads dist/: build first): the convnet layer's kernels
// (test-support/conv-kernels.mjs) on native against tfjs-cpu; prints the worst difference
// relative to max(|cpu value|, mean |cpu value| of that output) as JSON.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { nativeIsa, registerNativeBackend } from '../dist/index.js';
import { convKernelInputs, runConvKernels } from './conv-kernels.mjs';

registerNativeBackend();
const inputs = convKernelInputs();
await tf.setBackend('cpu');
const want = runConvKernels(tf, inputs);
await tf.setBackend('native');
const got = runConvKernels(tf, inputs);
let worst = 0;
want.forEach((values, k) => {
  const scale = values.reduce((sum, v) => sum + Math.abs(v), 0) / values.length;
  values.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(got[k][i] - v) / Math.max(Math.abs(v), scale, 1e-30));
  });
});
console.log(JSON.stringify({ isa: nativeIsa(), worst }));
