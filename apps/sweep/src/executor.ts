import type { CheckpointStore } from './checkpoint-store.js';
import type { RunConfig } from './run-config.js';
import type { RungDecision } from './search/asha.js';
import type { EpochHistory } from './epoch-history.js';

export type { EpochHistory } from './epoch-history.js';

/**
 * `stopped`: ended early by the scheduler (ASHA) at a rung, its history and checkpoint kept; while
 * the search runs, a run paused at a rung (`stoppedBy.decision` "pause") is also `stopped` until
 * it is promoted.
 */
export type RunStatus = 'finished' | 'failed' | 'interrupted' | 'stopped';

export interface FinalMetrics {
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

/** The data a run trained on, as the sweep's plan states it (what --resume compares). */
export interface DataSettings {
  dataDir: string | null;
  limitTrain: number | null;
  limitEval: number | null;
}

/** Everything recorded about one run: what `runs/<id>.json` holds. */
export interface RunResult {
  id: string;
  configId: string;
  config: RunConfig;
  status: RunStatus;
  /** Why the run failed or was interrupted. */
  error?: string;
  architecture: string;
  params: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** The model's Keras `summary()` text. */
  summary: string;
  history: EpochHistory;
  /** Metrics after the last epoch; null unless the run finished. */
  final: FinalMetrics | null;
  timing: {
    startedAt: string;
    finishedAt: string;
    /** Wall time of this attempt (a resumed run counts only the epochs it trained). */
    wallSeconds: number;
    /** Training samples per second over the epochs this attempt trained. */
    samplesPerSecond: number;
  };
  backend: string;
  workers: number;
  /** Epochs restored from a checkpoint instead of being trained again (0 for a fresh run). */
  resumedFromEpoch: number;
  trainSize: number;
  /** The rung decision that paused or stopped the run (status `stopped`). */
  stoppedBy?: RungDecision;
  /** Test-set confusion matrix of a finished run, counts[actual class][predicted class]. */
  testConfusion?: number[][];
  /** The plan's data settings, recorded by the sweep with the run (absent in results an executor returns). */
  data?: DataSettings;
}

/** Finished, or stopped by the scheduler: nothing left to train on --resume. */
export function isSettled(run: RunResult | undefined): boolean {
  return run?.status === 'finished' || run?.status === 'stopped';
}

/** What an executor reports while a run trains; the progress display draws from it. */
export interface RunProgress {
  id: string;
  /** 1-based epoch being trained. */
  epoch: number;
  epochs: number;
  /** Batches done in this epoch, of `batches`. */
  batch: number;
  batches: number;
  loss?: number;
  accuracy?: number;
  /** Data-parallel workers training the run now. */
  workers?: number;
  /** Set when an epoch has just ended. */
  epochEnd?: { loss: number; accuracy: number; val_loss: number; val_accuracy: number; seconds: number };
  /** A one-line note (e.g. "resumed from epoch 3"). */
  note?: string;
}

export interface RunContext {
  /** Where the run may write checkpoints and models: `<out>/checkpoints/<id>`, `<out>/models/<id>`. */
  checkpointDir: string;
  modelDir?: string;
  /** Where the run keeps its per-epoch checkpoint instead of `checkpointDir` (e.g. the queue's Redis). */
  checkpoints?: CheckpointStore;
  onProgress: (progress: RunProgress) => void;
  /** Aborted on SIGINT: the run stops after its current step and resolves as interrupted. */
  signal: AbortSignal;
  /**
   * Asked after every epoch (1-based) the run ends, and after an epoch restored from a
   * checkpoint: a decision to pause or stop the run there (it then resolves as `stopped`, its
   * checkpoint kept for a later promotion), or null to go on.
   */
  shouldStop?: (epoch: number, metrics: { val_accuracy: number; val_loss: number }) => RungDecision | null;
  /**
   * With `shouldStop` under ASHA: the rung epochs, and the epoch the run continues from (0, or the
   * rung a promoted run paused at). An executor that cannot ask during training (the queue's
   * workers are elsewhere) trains the run from rung to rung and asks at each; a local one ignores it.
   */
  rungs?: { epochs: readonly number[]; from: number };
  /**
   * Train only up to this epoch (below the run's epochs), then resolve as `stopped` without a
   * decision, the checkpoint kept: one stretch of an ASHA trial, as a queue worker trains it.
   */
  stopAfterEpoch?: number;
}

/**
 * Runs one configuration to completion and describes what happened. It never throws for a
 * failed run (NaN loss, a crashed worker): it resolves with status 'failed' and the error, so
 * the sweep goes on. The local implementation trains in worker threads on this machine; a
 * queue-backed implementation could ship the same RunConfig (plain JSON) to other machines.
 */
export interface RunExecutor {
  /** Short description for logs, e.g. "local, 2 runs × 1 worker, wasm". */
  readonly description: string;
  run(config: RunConfig, context: RunContext): Promise<RunResult>;
  /**
   * Called when a sweep slot has no run left to start: the cores it used may go to runs that
   * are still training (the local executor then lets the longest of them continue on more
   * workers from its next epoch).
   */
  releaseSlot?(): void;
  /** A released slot has work again (ASHA promoted a paused run): it takes its cores back. */
  claimSlot?(): void;
  /**
   * ASHA stopped the run for good where it paused: the executor may drop the checkpoint it kept
   * for a promotion elsewhere (the queue's Redis); a local run's checkpoint folder stays with its results.
   */
  dropCheckpoint?(runId: string): Promise<void>;
  /** Releases threads, pools or connections. */
  close(): Promise<void>;
}
