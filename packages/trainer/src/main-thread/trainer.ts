import type { ResourceLimits, Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { thisMachine, threadLimit, type Machine } from '@fnn/common';
import { LayersModel, RuntimeError, ValueError, type BackendName, type History, type Tensor } from '@fnn/core';
import {
  beginTraining,
  nonFiniteLossError,
  requireCompiled,
  runTrainingLoop,
  serializeCompileArgs,
} from '@fnn/core/training';
import type { Dataset } from '@fnn/data';
import { describeValue } from '../errors.js';
import { resolveFitArgs, type DataParallelFitArgs } from '../fit-args.js';
import type { ReplicaReport, ReplicaSpec, ReplicaTimings } from '../messages.js';
import type { SampleLayout } from '../sample-layout.js';
import { keepReplicaWeights, testHooksOf, type TestHooks } from '../testing/test-hooks.js';
import { weightLayout } from '../weight-layout.js';
import { FitRun } from './fit-run.js';
import { toSharedDataset, type DataTarget } from './training-data.js';

export interface DataParallelTrainerOptions {
  /**
   * Worker threads, each holding one replica of the model. Default: the number of cores. At most
   * 4 per core, and no more than fit in half of the machine's memory (an error says the bound).
   */
  workers?: number;
  /** Backend each worker loads, as `setBackend`: 'auto' (the best one that loads in a worker thread, else wasm), 'wasm', 'cpu', 'tensorflow' or 'native'. Default 'auto'. */
  backend?: BackendName;
  /** Batch normalization computes its statistics over the whole batch (all workers) instead of each worker's shard. Default false. */
  syncBatchNorm?: boolean;
  /** Milliseconds a worker waits for the others at a step before failing. Default 600000. */
  syncTimeout?: number;
  /** Node's `resourceLimits` for every worker thread (e.g. `{maxOldGenerationSizeMb: 512}`). */
  resourceLimits?: ResourceLimits;
}

/** Longest spin at a step barrier, when every worker has a core (see Barrier). */
const SPIN_MS = 2;

const BACKENDS: readonly BackendName[] = ['auto', 'wasm', 'cpu', 'tensorflow', 'native'];

/**
 * Synchronous data-parallel training of an @fnn/core model on worker threads: every global
 * batch is split into one contiguous shard per worker, the shard gradients are averaged in
 * shared memory (weighted by shard size, in worker order) and every replica applies the same
 * update. The model stays a plain model: after `fit` it holds the trained weights.
 */
export class DataParallelTrainer {
  readonly workers: number;
  readonly backend: BackendName;
  readonly syncBatchNorm: boolean;
  private readonly syncTimeout: number;
  private readonly resourceLimits: ResourceLimits | undefined;
  private pool: Piscina | undefined;
  private readonly threadsSeen = new Set<Worker>();
  private running = false;
  private closed = false;
  /** Diagnostics: where each worker's time went during the last completed fit (worker order). */
  lastFitTimings: ReplicaTimings[] | undefined;
  /** Diagnostics: tf.memory().numTensors in each worker after each epoch of the last completed fit (worker order). */
  lastFitTensorCounts: number[][] | undefined;

  constructor(options: DataParallelTrainerOptions = {}) {
    const owner = 'DataParallelTrainer';
    if (typeof options !== 'object' || options === null)
      throw new ValueError(`${owner}: expected an options object, but got ${describeValue(options)}.`);
    const machine = thisMachine();
    const { limit, reason } = threadLimit(machine);
    this.workers = options.workers ?? Math.min(machine.cores, limit);
    if (!Number.isInteger(this.workers) || this.workers < 1) {
      throw new ValueError(
        `${owner}: expected workers to be an integer >= 1, but got ${describeValue(options.workers)}.`,
      );
    }
    // Refused before any thread starts: hundreds of threads only exhaust memory.
    if (this.workers > limit)
      throw new ValueError(`${owner}: expected workers to be at most ${limit} (${reason}), but got ${this.workers}.`);
    this.backend = options.backend ?? 'auto';
    if (!BACKENDS.includes(this.backend))
      throw new ValueError(
        `${owner}: expected backend to be one of ${BACKENDS.join(', ')}, but got ${describeValue(options.backend)}.`,
      );
    this.syncBatchNorm = options.syncBatchNorm ?? false;
    if (typeof this.syncBatchNorm !== 'boolean')
      throw new ValueError(
        `${owner}: expected syncBatchNorm to be a boolean, but got ${describeValue(options.syncBatchNorm)}.`,
      );
    this.syncTimeout = options.syncTimeout ?? 600_000;
    if (typeof this.syncTimeout !== 'number' || !(this.syncTimeout > 0)) {
      throw new ValueError(
        `${owner}: expected syncTimeout to be a positive number of milliseconds, but got ${describeValue(options.syncTimeout)}.`,
      );
    }
    this.resourceLimits = options.resourceLimits;
  }

  /** Worker threads currently alive (0 before the first fit, after close and after a worker failure). */
  get liveThreads(): number {
    return [...this.threadsSeen].filter((t) => t.threadId !== -1).length;
  }

  /**
   * Trains `model` on `x`/`y` (tensors, one per input and output as for model.fit, converted
   * once to shared memory) or on a Dataset `x`, as `model.fit` does, and returns the same History. Rejects with WorkerFailedError when a
   * worker fails (all threads are then shut down) and with TrainingInterruptedError on SIGINT.
   */
  async fit(
    model: LayersModel,
    x: Tensor | Tensor[] | Dataset,
    y?: Tensor | Tensor[],
    args: DataParallelFitArgs = {},
  ): Promise<History> {
    const owner = 'DataParallelTrainer.fit';
    if (this.closed) throw new RuntimeError(`${owner}: the trainer is closed; create a new DataParallelTrainer.`);
    if (this.running) throw new RuntimeError(`${owner}: another fit is still running on this trainer; await it first.`);
    if (!(model instanceof LayersModel))
      throw new ValueError(`${owner}: expected an @fnn/core model, but got ${describeValue(model)}.`);
    const compiled = requireCompiled(model, owner);
    const { epochs, batchSize, initialEpoch, verbose, seed, shuffle, callbacks, onBatchProgress } = resolveFitArgs(
      args,
      owner,
    );
    const testHooks = testHooksOf(args, this.workers, owner);
    const layout = weightLayout(model);
    this.checkMemory(layout.trainableSize + layout.nonTrainableSize, testHooks?.machine ?? thisMachine(), owner);
    const target = { model, compiled, owner };
    const { dataset: train, layout: sampleLayout } = toSharedDataset(x, y, { ...target, what: 'x' });
    const validation = validationDataset(args.validationData, target, sampleLayout);
    const spec: ReplicaSpec = {
      workers: this.workers,
      backend: this.backend,
      topology: model.toJSON(),
      compileArgs: serializeCompileArgs(compiled),
      layout,
      sampleLayout,
      logKeys: compiled.logKeys,
      batchSize,
      shuffle,
      seed,
      syncBatchNorm: this.syncBatchNorm,
      syncTimeoutMs: this.syncTimeout,
      spinMs: this.workers <= thisMachine().cores ? SPIN_MS : 0,
      ...(testHooks ? { testHooks: workerTestHooks(testHooks) } : {}),
    };
    // Batch callbacks may set stopTraining: then steps are handed out one at a time, so training
    // stops exactly where model.fit would; otherwise the workers run each epoch without waiting.
    const stepByStep = callbacks.some(
      (c) => typeof c.onBatchBegin === 'function' || typeof c.onBatchEnd === 'function',
    );

    const endTraining = beginTraining(model, owner); // model.fit or another trainer on this model would interleave
    this.running = true;
    const run = new FitRun({ pool: this.ensurePool(), model, spec, train, validation, stepByStep });
    const onSigint = () => run.interrupt();
    process.on('SIGINT', onSigint);
    try {
      await run.start();
      testHooks?.onStart?.({ stepsGranted: () => run.stepsGranted, stepsDone: () => run.stepsDone });
      const steps = Math.ceil(train.size / batchSize);
      const history = await runTrainingLoop(model, {
        epochs,
        initialEpoch,
        numSamples: train.size,
        batchSize,
        shuffle,
        seed,
        verbose,
        onBatchProgress,
        progress: args.progress,
        logKeys: compiled.logKeys,
        // First, so that the weights are in the model before any user callback sees the epoch end.
        callbacks: [
          { onEpochBegin: (epoch: number) => run.beginEpoch(epoch), onEpochEnd: () => run.endEpoch() },
          ...callbacks,
        ],
        trainBatch: async (batch) => {
          const logs = await run.batchLogs(batch);
          // The workers did not apply this step: the model keeps its last finite weights, as with model.fit.
          if (!Number.isFinite(logs.loss))
            throw nonFiniteLossError(logs.loss ?? NaN, { ...batch, epochs, steps }, owner);
          return logs;
        },
        validate: validation === null ? undefined : () => run.validate(),
      });
      this.useReports(await run.finish(), testHooks?.collectReplicaWeights === true);
      return history;
    } catch (error) {
      const failure = run.workerFailure;
      const stopped = failure === undefined ? await run.stopAfterError() : { settled: false };
      // Interrupted or stopped by an error on this thread: the model keeps the weights and optimizer state reached.
      if (stopped.reports) this.useReports(stopped.reports, false);
      if (!stopped.settled) await this.destroyPool();
      throw run.workerFailure ?? error;
    } finally {
      process.off('SIGINT', onSigint);
      this.running = false;
      endTraining();
    }
  }

  /** Refuses a fit whose replicas would not fit in memory, before any thread starts. */
  private checkMemory(parameters: number, machine: Machine, owner: string): void {
    const { limit, reason } = threadLimit(machine, parameters);
    if (this.workers > limit)
      throw new ValueError(
        `${owner}: expected workers to be at most ${limit} for this model (${reason}), but the trainer has ${this.workers}.`,
      );
  }

  /** Keeps the diagnostics (the weights and optimizer state reached are in the model already). */
  private useReports(reports: ReplicaReport[], keepWeights: boolean): void {
    keepReplicaWeights(this, keepWeights ? reports.map((r) => r.weights!) : undefined);
    this.lastFitTimings = reports.map((r) => r.timings);
    this.lastFitTensorCounts = reports.map((r) => r.tensorsAfterEpochs);
  }

  /** Shuts every worker thread down. Idempotent; the trainer cannot fit afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await this.destroyPool();
  }

  private ensurePool(): Piscina {
    if (this.pool === undefined) {
      const pool = new Piscina({
        filename: workerUrl(),
        minThreads: this.workers,
        maxThreads: this.workers,
        // One long task per thread for a whole fit: a second task on a busy thread would deadlock.
        concurrentTasksPerWorker: 1,
        idleTimeout: Infinity,
        ...(this.resourceLimits ? { resourceLimits: this.resourceLimits } : {}),
      });
      // Failures reach fit through the tasks; an 'error' event without a listener would throw.
      pool.on('error', () => undefined);
      pool.on('workerCreate', () => {
        for (const thread of pool.threads) this.threadsSeen.add(thread);
      });
      this.pool = pool;
    }
    return this.pool;
  }

  private async destroyPool(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool !== undefined) await pool.destroy();
  }
}

/** What the workers need of the test hooks (the main thread keeps the rest). */
function workerTestHooks(hooks: TestHooks): ReplicaSpec['testHooks'] {
  return {
    ...(hooks.faultInjection ? { faultInjection: hooks.faultInjection } : {}),
    ...(hooks.collectReplicaWeights ? { returnReplicaWeights: true } : {}),
  };
}

/** The worker threads' task module, dist/worker/train-replica.js; from the TypeScript sources (tests), the built one. */
function workerUrl(): string {
  const here = new URL(import.meta.url);
  const built = here.pathname.endsWith('.ts') ? '../../dist/worker/train-replica.js' : '../worker/train-replica.js';
  return new URL(built, here).href;
}

/** `validationData` in shared memory, its samples shaped as the training data's (null without it). */
function validationDataset(
  v: DataParallelFitArgs['validationData'],
  target: Omit<DataTarget, 'what'>,
  sampleLayout: SampleLayout,
): Dataset | null {
  if (v === undefined) return null;
  const what = 'validationData';
  const shared = Array.isArray(v)
    ? toSharedDataset(v[0], v[1], { ...target, what })
    : toSharedDataset(v, undefined, { ...target, what });
  if (JSON.stringify(shared.layout) !== JSON.stringify(sampleLayout)) {
    throw new ValueError(
      `${target.owner}: expected validationData samples shaped as x's (inputs ${JSON.stringify(sampleLayout.inputs)}, targets ${JSON.stringify(sampleLayout.outputs)}), but got inputs ${JSON.stringify(shared.layout.inputs)}, targets ${JSON.stringify(shared.layout.outputs)}.`,
    );
  }
  return shared.dataset;
}
