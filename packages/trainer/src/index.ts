// The public surface of @fnn/trainer.
export { DataParallelTrainer, type DataParallelTrainerOptions } from './trainer.js';
export type { DataParallelFitArgs } from './fit-args.js';
export { WorkerFailedError, TrainingInterruptedError } from './errors.js';
export type { FaultInjection, ReplicaTimings } from './messages.js';
