import type { LayersModel } from '../models/model.js';

// Placeholder until the save/load work lands.
export async function saveModel(model: LayersModel, url: string): Promise<{ modelJsonPath: string; weightsPath: string }> {
  throw new Error(`save(${url}) is not implemented yet (model ${model.name})`);
}
