import type { LayersModel } from './model.js';

export interface ModelTopology {
  class_name: string;
  config: unknown;
  keras_version?: string;
  backend?: string;
}

// Placeholder until the serialization work lands.
export function serializeModel(model: LayersModel): ModelTopology {
  throw new Error(`toJSON() is not implemented yet (model ${model.name})`);
}
