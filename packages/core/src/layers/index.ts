// Factories for every layer, as `tf.layers.*`.
import { dense } from './dense.js';
import { inputLayer } from './input-layer.js';
import { activation } from './activation-layer.js';
import { dropout } from './dropout.js';
import { batchNormalization } from './batch-normalization.js';
import { flatten } from './flatten.js';
import { reshape } from './reshape.js';
import { conv2d, convolution2d } from './conv2d.js';
import { maxPooling2d } from './max-pooling2d.js';
import { concatenate } from './concatenate.js';
import { add } from './add.js';

export const layers = {
  dense,
  activation,
  dropout,
  batchNormalization,
  flatten,
  reshape,
  conv2d,
  convolution2d,
  maxPooling2d,
  inputLayer,
  concatenate,
  add,
};
