import {
  setBackend,
  tf,
  type CallbackLike,
  type LayersModel,
  type BatchProgressHook,
  type OptimizerState,
} from '@fnn/core';
import { DataParallelTrainer, type DataParallelFitArgs } from '@fnn/trainer';
import { withTestHooks, type FaultInjection } from '@fnn/trainer/testing';
import type { Checkpoint } from './checkpoint.js';
import type { EpochLogs, FitEngine, FitHooks, FitRequest } from './fit-engine.js';

/**
 * fit's callbacks and batch progress, translated into the run task's hooks. Batch progress comes
 * from `onBatchProgress`, which observes without being a batch callback: a batch callback makes
 * the data-parallel trainer hand out steps one at a time (~20 % of its throughput on `wide` and
 * `deep`), while the progress hook lets it run whole epochs.
 */
function fitHooks(
  hooks: FitHooks,
  model: LayersModel,
): { callbacks: CallbackLike[]; onBatchProgress: BatchProgressHook; verbose: 0 } {
  return {
    verbose: 0,
    callbacks: [
      {
        onEpochBegin: (epoch: number) => hooks.onEpochBegin(epoch),
        onEpochEnd: (epoch: number, logs?: Record<string, number>) => {
          if (hooks.onEpochEnd(epoch, logs as unknown as EpochLogs)) model.stopTraining = true;
        },
      },
    ],
    onBatchProgress: ({ epoch, batch, logs }) =>
      hooks.onBatchEnd(epoch, batch, { loss: logs.loss, accuracy: logs.accuracy }),
  };
}

/** What a checkpoint keeps at an epoch's end: every weight and the optimizer state (Adam's moments, step count). */
function snapshotOf(model: LayersModel): { weights: Checkpoint['weights']; optimizer: OptimizerState } {
  const weights = model.weights.map((w) => ({
    name: w.name,
    shape: [...w.shape],
    values: w.read().dataSync() as Float32Array,
  }));
  return { weights, optimizer: model.compiled!.optimizer.getState() };
}

function restoreInto(model: LayersModel, checkpoint: Checkpoint): void {
  const weights = model.weights;
  const byName = new Map(checkpoint.weights.map((w) => [w.name, w]));
  const values = weights.map((w) => {
    const saved = byName.get(w.name);
    if (!saved || saved.values.length !== w.size) {
      throw new Error(`the checkpoint has no weight ${w.name} of ${w.size} values; it belongs to a different model`);
    }
    return tf.tensor(saved.values, saved.shape);
  });
  model.setWeights(values);
  values.forEach((t) => {
    t.dispose();
  });
  if (checkpoint.optimizer) model.compiled!.optimizer.setState(checkpoint.optimizer);
}

/** Single-thread `model.fit` in this process: the baseline the parallel sweep is measured against. */
export class InProcessEngine implements FitEngine {
  readonly workers = 1;
  private constructor(readonly backend: string) {}

  static async create(backend: string): Promise<InProcessEngine> {
    return new InProcessEngine(await setBackend(backend as Parameters<typeof setBackend>[0], { quiet: true }));
  }

  async fit(request: FitRequest, hooks: FitHooks): Promise<void> {
    const train = request.train.toTensors(tf);
    const validation = request.validation.toTensors(tf);
    try {
      await request.model.fit(train.x, train.y, {
        epochs: request.epochs,
        initialEpoch: request.initialEpoch,
        batchSize: request.batchSize,
        validationData: [validation.x, validation.y],
        shuffle: true,
        seed: request.seed,
        ...fitHooks(hooks, request.model),
      });
    } finally {
      for (const t of [train.x, train.y, validation.x, validation.y]) t.dispose();
    }
  }

  snapshot = snapshotOf;
  restore = restoreInto;

  async close(): Promise<void> {}
}

/** A run trained by `@fnn/trainer`: each batch sharded over `workers` threads. */
export class TrainerEngine implements FitEngine {
  private constructor(
    private readonly trainer: DataParallelTrainer,
    readonly workers: number,
    readonly backend: string,
  ) {}

  /**
   * `requested` is what the workers load ('auto' included); `resolved` is what this process
   * chose, for the record. `syncBatchNorm` computes batch-norm statistics over the whole batch
   * (as one worker would) rather than per shard.
   */
  static async create(
    workers: number,
    requested: string,
    resolved: string,
    syncBatchNorm = false,
  ): Promise<TrainerEngine> {
    const trainer = new DataParallelTrainer({
      workers,
      backend: requested as never,
      syncBatchNorm: syncBatchNorm && workers > 1,
    });
    return new TrainerEngine(trainer, workers, resolved);
  }

  async fit(request: FitRequest, hooks: FitHooks): Promise<void> {
    const args: DataParallelFitArgs = {
      epochs: request.epochs,
      initialEpoch: request.initialEpoch,
      batchSize: request.batchSize,
      validationData: request.validation,
      shuffle: true,
      seed: request.seed,
      ...fitHooks(hooks, request.model),
    };
    const fault = faultInjectionFor(request.runId);
    await this.trainer.fit(
      request.model,
      request.train,
      undefined,
      fault ? withTestHooks(args, { faultInjection: fault }) : args,
    );
  }

  /** The trainer puts the weights and optimizer state into the model before each epoch's end callbacks. */
  snapshot = snapshotOf;
  restore = restoreInto;

  async close(): Promise<void> {
    await this.trainer.close();
  }
}

/**
 * Test-only: FNN_SWEEP_FAULT='{"run": "<id>", "kind": "throw" | "exit" | "oom", "atStep": n}' makes
 * worker 0 of that run fail before step n (the trainer's fault injection, from its internal testing entry), to check that a
 * crashed worker fails its run and the sweep goes on.
 */
function faultInjectionFor(runId: string): FaultInjection | undefined {
  const spec = process.env.FNN_SWEEP_FAULT;
  if (!spec) return undefined;
  const fault = JSON.parse(spec) as { run: string; kind: FaultInjection['kind']; atStep?: number };
  return fault.run === runId ? { worker: 0, kind: fault.kind, atStep: fault.atStep ?? 0 } : undefined;
}
