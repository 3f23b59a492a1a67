// The public surface of @fnn/trainer. (Internal test hooks live in the `@fnn/trainer/testing` entry.)
export { DataParallelTrainer, type DataParallelTrainerOptions } from './main-thread/trainer.js';
export type { DataParallelFitArgs } from './fit-args.js';
export type { BatchProgress, BatchProgressHook } from './main-thread/batch-progress.js';
export { WorkerFailedError, TrainingInterruptedError } from './errors.js';
export type { ReplicaTimings } from './messages.js';
