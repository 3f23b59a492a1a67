import type { Tensor } from '../tf.js';
import type { LayersModel } from '../models/model.js';
import type { History } from './history.js';

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
}

// Placeholder until the training work lands.
export async function fitModel(model: LayersModel, _x: Tensor | Tensor[], _y: Tensor | Tensor[], _args: FitArgs): Promise<History> {
  throw new Error(`fit() is not implemented yet (model ${model.name})`);
}
