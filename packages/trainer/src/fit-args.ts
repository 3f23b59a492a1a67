import type { FitArgs, Tensor } from '@fnn/core';
import type { Dataset } from '@fnn/data';
import type { FaultInjection } from './messages.js';

/** model.fit's arguments (same meaning and defaults), with validation data that may be a Dataset. */
export interface DataParallelFitArgs extends Omit<FitArgs, 'validationData' | 'validationSplit'> {
  /** `[x, y]` tensors (lists for several inputs or outputs) or a Dataset, evaluated after each epoch (`val_loss`, `val_accuracy`, ...). */
  validationData?: [Tensor | Tensor[], Tensor | Tensor[]] | Dataset;
  /** Test-only: make a worker throw, exit or run out of memory before a given step. */
  faultInjection?: FaultInjection;
  /** Test-only: keep every replica's final weights in `trainer.replicaWeights`. */
  collectReplicaWeights?: boolean;
}

// One resolver for model.fit and DataParallelTrainer.fit: the same checks, defaults and wording.
export { resolveFitArgs, type ResolvedFitArgs } from '@fnn/core/training';
