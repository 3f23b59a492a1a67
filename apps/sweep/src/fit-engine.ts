import type { LayersModel, OptimizerState } from '@fnn/core';
import type { Dataset } from '@fnn/data';
import type { Checkpoint } from './checkpoint.js';

// What a run task needs of a training engine (engines.ts has the two there are), and what it
// lets an engine call back.

export interface EpochLogs {
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
}

/** What a training engine calls back while it fits. Throwing from a hook stops the fit. */
export interface FitHooks {
  /** `epoch` is 0-based; called when the epoch's training starts (after any engine start-up). */
  onEpochBegin(epoch: number): void;
  /** `batch` is 0-based within the epoch; logs are the epoch's running means. */
  onBatchEnd(epoch: number, batch: number, logs: Partial<EpochLogs>): void;
  /**
   * `epoch` is 0-based; the model holds the weights at the end of that epoch. Returning true
   * ends the fit after this epoch (the run then continues on another engine).
   */
  onEpochEnd(epoch: number, logs: EpochLogs): boolean;
}

export interface FitRequest {
  runId: string;
  model: LayersModel;
  train: Dataset;
  validation: Dataset;
  /** Train epochs `initialEpoch` (0-based) up to `epochs` (exclusive), as Keras's fit. */
  epochs: number;
  initialEpoch: number;
  batchSize: number;
  seed: number;
}

/** One way of training a compiled model on this machine: single-thread `model.fit` or data-parallel. */
export interface FitEngine {
  readonly workers: number;
  readonly backend: string;
  fit(request: FitRequest, hooks: FitHooks): Promise<void>;
  /** Weights and optimizer state of the model being fitted, for a checkpoint at an epoch end. */
  snapshot(model: LayersModel): { weights: Checkpoint['weights']; optimizer: OptimizerState | null };
  /** Puts a checkpoint's weights and optimizer state into a freshly built model. */
  restore(model: LayersModel, checkpoint: Checkpoint): void;
  close(): Promise<void>;
}

/** Lets a run move to an engine with more workers between epochs, when cores free up. */
export interface RunScaler {
  /**
   * At an epoch end: the number of workers to continue with, or null to keep the engine.
   * `epochSeconds` is how long the epoch just finished took on `workers` workers.
   */
  propose(runId: string, workers: number, epochSeconds: number, epochsLeft: number): number | null;
  /** Hands back `engine` and returns one with `workers` workers. */
  swap(runId: string, engine: FitEngine, workers: number): Promise<FitEngine>;
  /** Why the last proposal moved the run (for its progress note), or '' to let the run say. */
  reason?(runId: string): string;
}
