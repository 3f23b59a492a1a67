import type { LayersModel } from './model.js';

// Placeholder until the summary work lands.
export function printSummary(model: LayersModel, _lineLength?: number, _positions?: number[], _printFn?: (line: string) => void): string {
  throw new Error(`summary() is not implemented yet (model ${model.name})`);
}
