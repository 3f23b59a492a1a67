import { RuntimeError } from '../errors.js';
import type { ModelStructure } from '../models/model-interface.js';

/** Who is training each model: a second training at once would interleave its steps with the first's on one optimizer. */
const trainers = new WeakMap<ModelStructure, string>();

/**
 * Marks `model` as trained by `owner` (e.g. "DataParallelTrainer.fit") until the returned
 * function is called; throws a RuntimeError if a fit of any engine is already training it.
 */
export function beginTraining(model: ModelStructure, owner: string): () => void {
  const current = trainers.get(model);
  if (current !== undefined) {
    throw new RuntimeError(
      `${owner}: another fit is still running on this model${current === owner ? '' : ` (${current})`}; await it first.`,
    );
  }
  trainers.set(model, owner);
  return () => {
    if (trainers.get(model) === owner) trainers.delete(model);
  };
}
