import type { Piscina } from 'piscina';
import type { BatchSpec, LayersModel, Logs } from '@fnn/core';
import { permutation, shardRanges, type Dataset } from '@fnn/data';
import { TrainingInterruptedError, WorkerFailedError } from '../errors.js';
import {
  decode,
  encode,
  type FailureRecord,
  type ReplicaReport,
  type ReplicaSpec,
  type ReplicaTask,
} from '../messages.js';
import { allocateShared, Command, Ctrl, SharedViews, type SharedSizes } from '../shared-memory/layout.js';
import { readOptimizerState, writeOptimizerState } from '../shared-memory/optimizer-slots.js';
import { copyWeightsIn, copyWeightsOut } from '../weight-layout.js';
import { waitForWorkers } from './wait-for-workers.js';

/** How long the main thread lets workers wind down after an error before it destroys them. */
const SETTLE_MS = 5000;

/**
 * The main thread's side of one `fit`: it owns the shared memory, starts one task per worker,
 * hands out epochs and steps, reads each step's statistics, and copies the trained weights back
 * into the user's model at the end of every epoch. Any worker failure rejects `failure`.
 */
export class FitRun {
  readonly shared: SharedViews;
  /** Rejects with a WorkerFailedError when a worker fails; never resolves. */
  readonly failure: Promise<never>;
  private rejectFailure!: (error: Error) => void;
  private failed: WorkerFailedError | undefined;
  private aborting = false;
  private tasks: Promise<ReplicaReport>[] = [];
  private seq = 0;
  private epoch = -1;
  private epochRunning = false;
  private epochOrder: Uint32Array | undefined;
  private epochStart = 0;
  private stepsPlanned = 0;
  private stepsConsumed = 0;
  private interrupted = false;

  constructor(
    private readonly pool: Piscina,
    private readonly model: LayersModel,
    private readonly spec: ReplicaSpec,
    private readonly train: Dataset,
    private readonly validation: Dataset | null,
    /** Grant steps one at a time (callbacks act on batches), instead of a whole epoch at once. */
    private readonly stepByStep: boolean,
  ) {
    const sizes: SharedSizes = {
      workers: spec.workers,
      trainableSize: spec.layout.trainableSize,
      nonTrainableSize: spec.layout.nonTrainableSize,
      statsWidth: spec.logKeys.length,
      maxStepsPerEpoch: Math.ceil(train.size / spec.batchSize),
      reduceSlotSize: spec.syncBatchNorm ? 2 * maxSize(spec.layout.nonTrainable) + 64 : 0,
      optimizerSlots: model.compiled!.optimizer.slotNames.length,
      trainableWeights: spec.layout.trainable.length,
    };
    this.shared = new SharedViews(allocateShared(sizes));
    this.failure = new Promise<never>((_, reject) => (this.rejectFailure = reject));
    this.failure.catch(() => undefined);
  }

  /** The first worker failure, if any. */
  get workerFailure(): WorkerFailedError | undefined {
    return this.failed;
  }

  /** Starts one task per worker and waits until every replica is built. */
  async start(): Promise<void> {
    const { layout } = this.spec;
    copyWeightsOut(this.model.trainableWeights, layout.trainable, this.shared.params);
    copyWeightsOut(this.model.nonTrainableWeights, layout.nonTrainable, this.shared.params, layout.trainableSize);
    // A second fit (or a resumed run) continues the optimizer as model.fit does, not from fresh moments.
    const optimizer = this.model.compiled!.optimizer;
    writeOptimizerState(optimizer, optimizer.stateViews(), layout, this.shared.optimizerSlots);
    Atomics.store(this.shared.control, Ctrl.optimizerIterations, optimizer.iterations);
    const spec = encode(this.spec);
    for (let k = 0; k < this.spec.workers; k++) {
      const task: ReplicaTask = {
        workerIndex: k,
        spec,
        shared: this.shared.buffers,
        train: this.train.toTransferable(),
        validation: this.validation?.toTransferable() ?? null,
      };
      const run = (this.pool.run(task) as Promise<Uint8Array>).then(
        (bytes) => decode<ReplicaReport>(bytes),
        (error: unknown) => {
          this.onTaskError(k, error);
          throw error;
        },
      );
      run.catch(() => undefined);
      this.tasks.push(run);
    }
    const c = this.shared.control;
    await waitForWorkers(c, () => Atomics.load(c, Ctrl.ready) === this.spec.workers, this.failure);
  }

  /** Steps the workers may take so far (counted over the whole fit). */
  get stepsGranted(): number {
    return Atomics.load(this.shared.control, Ctrl.stepGrant);
  }

  /** Steps every worker has completed so far. */
  get stepsDone(): number {
    return Atomics.load(this.shared.control, Ctrl.stepsDone);
  }

  /** SIGINT: workers stop after the step in flight; `fit` then rejects with TrainingInterruptedError. */
  interrupt(): void {
    this.interrupted = true;
    this.requestStop();
  }

  beginEpoch(epoch: number): void {
    if (this.interrupted) throw this.interruption();
    const c = this.shared.control;
    this.epoch = epoch;
    this.epochStart = Atomics.load(c, Ctrl.stepsDone);
    this.stepsPlanned = Math.ceil(this.train.size / this.spec.batchSize);
    this.stepsConsumed = 0;
    this.epochOrder = this.spec.shuffle ? permutation(this.train.size, this.spec.seed, epoch) : undefined;
    Atomics.store(c, Ctrl.stopRequest, 0);
    Atomics.store(c, Ctrl.stepGrant, this.epochStart + (this.stepByStep ? 0 : this.stepsPlanned));
    this.epochRunning = true;
    this.send(Command.runEpoch, epoch);
  }

  /** The batch's mean loss and metrics (in `logKeys` order), once every worker finished the step. */
  async batchLogs(batch: BatchSpec): Promise<Logs> {
    if (this.interrupted) {
      await this.endEpoch();
      throw this.interruption();
    }
    this.checkOrder(batch);
    const c = this.shared.control;
    const target = this.epochStart + batch.batch + 1;
    if (this.stepByStep) this.grant(target);
    // Free-running, this thread sleeps until the epoch's last step (waking every 250 ms to show
    // progress) rather than at every step, when it would take a core from a worker.
    Atomics.store(c, Ctrl.wakeAt, this.stepByStep ? target : this.epochStart + this.stepsPlanned);
    await waitForWorkers(c, () => Atomics.load(c, Ctrl.stepsDone) >= target || this.commandDone(), this.failure);
    if (Atomics.load(c, Ctrl.stepsDone) < target) {
      // The workers ended the epoch before this step: only an interruption does that.
      await this.endEpoch();
      throw this.interruption();
    }
    this.stepsConsumed = batch.batch + 1;
    // The batch's mean of each logged value: the shards' means weighted by shard size.
    const sizes = shardRanges(batch.indices.length, this.spec.workers).map((r) => r.end - r.start);
    const logs: Logs = {};
    this.spec.logKeys.forEach((key, column) => {
      logs[key] = this.shared.shardWeightedSum(batch.batch, sizes, column) / batch.indices.length;
    });
    return logs;
  }

  /**
   * Waits for the workers to finish the epoch (stopping them after the step in flight when the
   * training loop ended it early) and copies the weights and optimizer state they reached into
   * the model, so that epoch-end callbacks (checkpoints) see the model as model.fit leaves it.
   */
  async endEpoch(): Promise<void> {
    if (!this.epochRunning) return;
    if (this.stepsConsumed < this.stepsPlanned) this.requestStop();
    const c = this.shared.control;
    await waitForWorkers(c, () => this.commandDone(), this.failure);
    this.epochRunning = false;
    const { layout } = this.spec;
    copyWeightsIn(this.model.trainableWeights, layout.trainable, this.shared.params);
    copyWeightsIn(this.model.nonTrainableWeights, layout.nonTrainable, this.shared.params, layout.trainableSize);
    const optimizer = this.model.compiled!.optimizer;
    const iterations = Atomics.load(c, Ctrl.optimizerIterations);
    optimizer.setState(readOptimizerState(optimizer, iterations, layout, this.shared.optimizerSlots));
  }

  /** Loss and metrics over the validation set, each worker evaluating a contiguous part of it. */
  async validate(): Promise<Logs> {
    await this.endEpoch();
    this.send(Command.validate, 0);
    const c = this.shared.control;
    await waitForWorkers(c, () => this.commandDone(), this.failure);
    const keys = this.spec.logKeys;
    const stats = this.shared.validationStats;
    const sums = new Float64Array(keys.length);
    let count = 0;
    for (let k = 0; k < this.spec.workers; k++) {
      const at = k * (keys.length + 1);
      for (let i = 0; i < keys.length; i++) sums[i]! += stats[at + i]!;
      count += stats[at + keys.length]!;
    }
    return Object.fromEntries(keys.map((key, i) => [key, sums[i]! / count]));
  }

  /** Ends the workers' tasks; resolves with their reports (worker order). */
  async finish(): Promise<ReplicaReport[]> {
    await this.endEpoch();
    this.send(Command.finish, 0);
    return Promise.race([Promise.all(this.tasks), this.failure]);
  }

  /**
   * After an error on the main thread (a callback threw, an interruption, a non-finite loss):
   * lets the workers finish the step in flight, keeps the weights they reached, and ends their
   * tasks. Resolves with their reports, and `settled: false` when they did not wind down in
   * time (the caller then destroys the pool).
   */
  async stopAfterError(): Promise<{ reports?: ReplicaReport[]; settled: boolean }> {
    if (this.failed !== undefined) return { settled: false };
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(resolve, SETTLE_MS, 'timeout').unref());
    try {
      const reports = await Promise.race([this.finish(), deadline]);
      if (reports !== 'timeout') return { reports, settled: true };
    } catch {
      // A worker failed while winding down: abort below.
    }
    this.aborting = true;
    this.shared.abort();
    const settled = await Promise.race([Promise.allSettled(this.tasks).then(() => 'ok' as const), deadline]);
    return { settled: settled === 'ok' && this.failed === undefined };
  }

  private interruption(): TrainingInterruptedError {
    return new TrainingInterruptedError(Math.max(this.epoch, 0), Atomics.load(this.shared.control, Ctrl.stepsDone));
  }

  private requestStop(): void {
    const c = this.shared.control;
    Atomics.store(c, Ctrl.stopRequest, 1);
    // Workers waiting for a step grant re-check the stop request.
    Atomics.notify(c, Ctrl.stepGrant);
  }

  private grant(steps: number): void {
    const c = this.shared.control;
    Atomics.store(c, Ctrl.stepGrant, steps);
    Atomics.notify(c, Ctrl.stepGrant);
  }

  private send(command: number, arg: number): void {
    const c = this.shared.control;
    Atomics.store(c, Ctrl.command, command);
    Atomics.store(c, Ctrl.commandArg, arg);
    Atomics.store(c, Ctrl.commandSeq, ++this.seq);
    Atomics.notify(c, Ctrl.commandSeq);
  }

  private commandDone(): boolean {
    return Atomics.load(this.shared.control, Ctrl.commandDone) === this.seq;
  }

  /** The workers derive each epoch's order from @fnn/data; the training loop from @fnn/core: they must agree. */
  private checkOrder(batch: BatchSpec): void {
    const start = batch.batch * this.spec.batchSize;
    const same = batch.indices.every(
      (index, i) => index === (this.epochOrder ? this.epochOrder[start + i] : start + i),
    );
    if (!same)
      throw new Error(
        `DataParallelTrainer: the training loop's sample order for epoch ${batch.epoch + 1}, batch ${batch.batch + 1} differs from the workers'.`,
      );
  }

  private onTaskError(workerIndex: number, error: unknown): void {
    if (this.failed !== undefined || this.aborting) return;
    const record = this.failureRecord();
    const failure =
      record !== undefined
        ? new WorkerFailedError(record.workerIndex, `${record.name}: ${record.message}`, {
            cause: Object.assign(new Error(record.message), { name: record.name, stack: record.stack }),
          })
        : new WorkerFailedError(workerIndex, describeWorkerError(error), { cause: error });
    this.failed = failure;
    this.aborting = true;
    this.shared.abort();
    this.rejectFailure(failure);
  }

  private failureRecord(): FailureRecord | undefined {
    const length = Atomics.load(this.shared.control, Ctrl.failureLength);
    return length > 0 ? decode<FailureRecord>(this.shared.failure.slice(0, length)) : undefined;
  }
}

/** One line on how a worker thread died when it could not say so itself. */
function describeWorkerError(error: unknown): string {
  const e = error as { code?: string; message?: string } | undefined;
  const message = e?.message ?? String(error);
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(message)) return `ran out of memory (${message})`;
  const exit = /worker exited with code:? (-?\d+)/.exec(message);
  if (exit) return `the thread exited with code ${exit[1]} (process.exit or a crash) in the middle of training`;
  return message;
}

function maxSize(slots: { size: number }[]): number {
  return slots.reduce((m, s) => Math.max(m, s.size), 0);
}
