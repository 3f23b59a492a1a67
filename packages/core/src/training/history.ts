import { Callback } from './callbacks/callback.js';
import type { Logs } from './train-step.js';

/**
 * What `fit` returns, as Keras's `History`: `epoch` lists the epochs run (0-based) and `history`
 * each epoch log under Keras's key names (`loss`, `accuracy`, `val_loss`, `val_accuracy`).
 */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};

  onTrainBegin(): void {
    this.epoch = [];
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      this.history[key] ??= [];
      this.history[key].push(value);
    }
  }
}
