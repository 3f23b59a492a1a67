import { ValueError, describeValue } from '../../errors.js';
import type { Logs } from '../train-step.js';
import { Callback, monitorMode } from './callback.js';
import { restoreWeights, snapshotWeights } from './weight-snapshot.js';

export interface EarlyStoppingArgs {
  /** Log key to watch. Default `val_loss`. */
  monitor?: string;
  /** Smallest change counted as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** `min`, `max`, or `auto` (max for names ending in acc/accuracy/auc). Default auto. */
  mode?: 'auto' | 'min' | 'max';
  /** Stop unless the monitored value beats this. */
  baseline?: number;
  /** Put back the weights of the best epoch when training ends, whether it stopped early or not. Default false. */
  restoreBestWeights?: boolean;
  /** 1 prints a line when stopping. Default 0. */
  verbose?: 0 | 1;
}

/**
 * Keras's EarlyStopping: stops `fit` once `monitor` has not improved by `minDelta` for
 * `patience` epochs. Unlike tfjs-layers, `restoreBestWeights` also restores the best epoch's
 * weights when training ends without stopping early.
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  readonly verbose: 0 | 1;
  wait = 0;
  stoppedEpoch = -1;
  best = Infinity;
  bestEpoch = -1;
  private bestWeights: Float32Array[] | undefined;
  private warned = false;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    this.monitor = args.monitor ?? 'val_loss';
    const minDelta = args.minDelta ?? 0;
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta))
      throw new ValueError(`earlyStopping: expected minDelta to be a number, but got ${describeValue(minDelta)}.`);
    this.minDelta = Math.abs(minDelta);
    const patience = args.patience ?? 0;
    if (!Number.isInteger(patience) || patience < 0)
      throw new ValueError(
        `earlyStopping: expected patience to be a non-negative integer, but got ${describeValue(patience)}.`,
      );
    this.patience = patience;
    const mode = args.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(mode))
      throw new ValueError(`earlyStopping: expected mode to be auto, min or max, but got ${describeValue(mode)}.`);
    this.mode = monitorMode(this.monitor, mode);
    this.baseline = args.baseline;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.verbose = args.verbose ?? 0;
  }

  private improves(value: number, reference: number): boolean {
    return this.mode === 'max' ? value - this.minDelta > reference : value + this.minDelta < reference;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.best = this.mode === 'max' ? -Infinity : Infinity;
    this.bestEpoch = -1;
    this.bestWeights = undefined;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      if (!this.warned)
        console.warn(
          `earlyStopping: the monitored value ${describeValue(this.monitor)} is not in the logs; available: ${Object.keys(logs).join(', ')}.`,
        );
      this.warned = true;
      return;
    }
    const model = this.model!;
    if (this.restoreBestWeights && this.bestWeights === undefined) this.bestWeights = snapshotWeights(model);
    this.wait++;
    if (this.improves(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = snapshotWeights(model);
      if (this.baseline === undefined || this.improves(current, this.baseline)) this.wait = 0;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch >= 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== undefined) {
      if (this.verbose > 0)
        console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      restoreWeights(this.model!, this.bestWeights);
    }
    this.bestWeights = undefined;
  }
}

export function earlyStopping(args?: EarlyStoppingArgs): EarlyStopping {
  return new EarlyStopping(args);
}
