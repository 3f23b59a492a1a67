// The public surface of @fnn/trainer.
export { DataParallelTrainer, type DataParallelTrainerOptions, type DataParallelFitArgs } from './trainer.js';
export { WorkerFailedError, TrainingInterruptedError } from './errors.js';
export type { FaultInjection, ReplicaTimings } from './messages.js';
