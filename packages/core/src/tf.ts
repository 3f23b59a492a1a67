// The one place that imports TensorFlow.js: every module of @fnn/core uses this instance, so
// ops, backends and kernels registered here are the ones the models run on.
import * as tf from '@tensorflow/tfjs-core';

export { tf };
export type { Tensor, Variable, Rank, DataType } from '@tensorflow/tfjs-core';
