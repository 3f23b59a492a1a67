export { describeValue } from '@fnn/common';

/** A worker thread failed (threw, exited or ran out of memory); `fit` rejected and every thread was shut down. */
export class WorkerFailedError extends Error {
  override name = 'WorkerFailedError';
  constructor(
    /** Index of the worker that failed first (0-based). */
    readonly workerIndex: number,
    /** What went wrong in that worker, in one line. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`DataParallelTrainer: worker ${workerIndex} failed: ${reason}`, options);
  }
}

/** `fit` was interrupted (SIGINT) and stopped after the step in flight; the model holds the weights reached. */
export class TrainingInterruptedError extends Error {
  override name = 'TrainingInterruptedError';
  constructor(
    /** Epoch (0-based) in which training stopped. */
    readonly epoch: number,
    /** Optimizer steps completed during this `fit`. */
    readonly stepsCompleted: number,
  ) {
    super(
      `DataParallelTrainer: training interrupted by SIGINT in epoch ${epoch + 1} after ${stepsCompleted} step(s); the model holds the weights reached so far.`,
    );
  }
}

/**
 * Thrown inside a worker when another thread aborted the run (a peer failed or the main thread
 * gave up); never the cause reported to the user.
 */
export class ReplicaAbortedError extends Error {
  override name = 'ReplicaAbortedError';
}
