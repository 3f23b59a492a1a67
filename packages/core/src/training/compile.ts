import type { LayersModel } from '../models/model.js';

export interface CompileArgs {
  optimizer: unknown;
  loss: unknown;
  metrics?: unknown;
}

export interface CompiledState {
  args: CompileArgs;
}

// Placeholder until the training work lands.
export function compileModel(model: LayersModel, args: CompileArgs): void {
  model.compiled = { args };
}
