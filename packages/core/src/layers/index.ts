// Factories for every layer, as `tf.layers.*`.
import { dense } from './dense.js';
import { inputLayer } from './input-layer.js';

export const layers = {
  dense,
  inputLayer,
};
