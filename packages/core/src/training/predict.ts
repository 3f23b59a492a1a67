import { tf, type Tensor } from '../tf.js';
import { inferenceContext } from '../engine/context.js';
import type { LayersModel } from '../models/model.js';

export interface PredictArgs {
  batchSize?: number;
}

// Minimal unbatched version until the training work lands.
export function predictModel(model: LayersModel, x: Tensor | Tensor[], _args: PredictArgs): Tensor | Tensor[] {
  const inputs = Array.isArray(x) ? x : [x];
  const outputs = tf.tidy(() => model.forward(inputs, inferenceContext()));
  return outputs.length === 1 ? outputs[0]! : outputs;
}
