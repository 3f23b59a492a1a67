import type { TrainableModel } from '../../models/model-interface.js';
import type { Logs } from '../train-step.js';

/** What a training loop tells its callbacks (Keras's `callback.params`). */
export interface TrainingParams {
  epochs: number;
  initialEpoch: number;
  /** Batches per epoch. */
  steps: number;
  samples: number;
  batchSize: number;
  verbose: 0 | 1 | 2;
  /** Log keys of an epoch, in display order (`loss`, `accuracy`, `val_loss`, `val_accuracy`). */
  metrics: string[];
}

/**
 * Hooks called during training, as Keras's (camelCase). Epochs and batches are 0-based. Batch
 * logs hold the running means over the epoch so far (as Keras 2); epoch logs the epoch's means
 * plus the validation values (`val_loss`, ...). A hook may return a promise, which is awaited.
 */
export interface CallbackHooks {
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

/** Base class of the built-in callbacks: `model` and `params` are set before training starts. */
export abstract class Callback {
  model: TrainableModel | undefined;
  params: TrainingParams | undefined;

  setModel(model: TrainableModel): void {
    this.model = model;
  }

  setParams(params: TrainingParams): void {
    this.params = params;
  }
}

/** A `Callback` or any object with some of the hooks. */
export type CallbackLike = (Callback & CallbackHooks) | CallbackHooks;

type Hook = keyof CallbackHooks;

/** Calls a list of callbacks in order, awaiting each. */
export class CallbackList {
  readonly callbacks: CallbackLike[];

  constructor(callbacks: CallbackLike[], model: TrainableModel, params: TrainingParams) {
    this.callbacks = callbacks;
    for (const callback of callbacks) {
      if (callback instanceof Callback) {
        callback.setModel(model);
        callback.setParams(params);
      }
    }
  }

  async trainBegin(logs?: Logs): Promise<void> {
    await this.call('onTrainBegin', undefined, logs);
  }

  async trainEnd(logs?: Logs): Promise<void> {
    await this.call('onTrainEnd', undefined, logs);
  }

  async epochBegin(epoch: number, logs?: Logs): Promise<void> {
    await this.call('onEpochBegin', epoch, logs);
  }

  async epochEnd(epoch: number, logs?: Logs): Promise<void> {
    await this.call('onEpochEnd', epoch, logs);
  }

  async batchBegin(batch: number, logs?: Logs): Promise<void> {
    await this.call('onBatchBegin', batch, logs);
  }

  async batchEnd(batch: number, logs?: Logs): Promise<void> {
    await this.call('onBatchEnd', batch, logs);
  }

  private async call(hook: Hook, index: number | undefined, logs: Logs | undefined): Promise<void> {
    for (const callback of this.callbacks) {
      const fn = (callback as CallbackHooks)[hook] as ((...args: unknown[]) => void | Promise<void>) | undefined;
      if (fn === undefined) continue;
      const result = index === undefined ? fn.call(callback, logs) : fn.call(callback, index, logs);
      if (result instanceof Promise) await result;
    }
  }
}

/** Whether a monitored quantity improves upwards, as Keras's `mode: 'auto'` decides from its name. */
export function monitorMode(monitor: string, mode: 'auto' | 'min' | 'max'): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /(acc|accuracy|auc)$/.test(monitor) ? 'max' : 'min';
}
