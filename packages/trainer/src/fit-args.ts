import type { FitArgs, Tensor } from '@fnn/core';
import type { Dataset } from '@fnn/data';

/**
 * model.fit's arguments (same meaning and defaults, `onBatchProgress` included), with validation
 * data that may be a Dataset.
 */
export interface DataParallelFitArgs extends Omit<FitArgs, 'validationData' | 'validationSplit'> {
  /** `[x, y]` tensors (lists for several inputs or outputs) or a Dataset, evaluated after each epoch (`val_loss`, `val_accuracy`, ...). */
  validationData?: [Tensor | Tensor[], Tensor | Tensor[]] | Dataset;
}

// One resolver for model.fit and DataParallelTrainer.fit: the same checks, defaults and wording.
export { resolveFitArgs, type ResolvedFitArgs } from '@fnn/core/training';
