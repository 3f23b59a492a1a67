import type { Tensor } from '../tf.js';
import type { LayersModel } from '../models/model.js';

export interface EvaluateArgs {
  batchSize?: number;
}

// Placeholder until the training work lands.
export function evaluateModel(model: LayersModel, _x: Tensor | Tensor[], _y: Tensor | Tensor[], _args: EvaluateArgs): Tensor | Tensor[] {
  throw new Error(`evaluate() is not implemented yet (model ${model.name})`);
}
