import { setBackend, tf, type LayersModel, type OptimizerState } from '@fnn/core';
import { DataParallelTrainer } from '@fnn/trainer';
import type { Checkpoint } from './checkpoint.js';
import type { EpochLogs, FitEngine, FitHooks, FitRequest } from './run-task.js';

/** Keras-style callbacks translating fit's logs into the run task's hooks. */
function callbacksFor(hooks: FitHooks) {
  let currentEpoch = 0;
  return {
    onEpochBegin: (epoch: number) => {
      currentEpoch = epoch;
    },
    onBatchEnd: (batch: number, logs?: Record<string, number>) => {
      hooks.onBatchEnd(currentEpoch, batch, { loss: logs?.loss, accuracy: logs?.accuracy });
    },
    onEpochEnd: (epoch: number, logs?: Record<string, number>) => {
      hooks.onEpochEnd(epoch, logs as unknown as EpochLogs);
    },
  };
}

function weightsOf(model: LayersModel): Checkpoint['weights'] {
  return model.weights.map((w) => ({ name: w.name, shape: [...w.shape], values: w.read().dataSync() as Float32Array }));
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
  values.forEach((t) => t.dispose());
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
        verbose: 0,
        callbacks: [callbacksFor(hooks)],
      });
    } finally {
      for (const t of [train.x, train.y, validation.x, validation.y]) t.dispose();
    }
  }

  snapshot(model: LayersModel): { weights: Checkpoint['weights']; optimizer: OptimizerState } {
    return { weights: weightsOf(model), optimizer: model.compiled!.optimizer.getState() };
  }

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

  static async create(workers: number, backend: string): Promise<TrainerEngine> {
    const trainer = new DataParallelTrainer({ workers, backend: backend as never });
    return new TrainerEngine(trainer, workers, backend);
  }

  async fit(request: FitRequest, hooks: FitHooks): Promise<void> {
    await this.trainer.fit(request.model, request.train, undefined, {
      epochs: request.epochs,
      initialEpoch: request.initialEpoch,
      batchSize: request.batchSize,
      validationData: request.validation,
      shuffle: true,
      seed: request.seed,
      verbose: 0,
      callbacks: [callbacksFor(hooks)],
    });
  }

  /**
   * The trainer copies the weights into the model before each epoch's end callbacks, but the
   * optimizer state (Adam's moments) lives in the workers until fit returns, so a checkpoint
   * taken mid-fit has the weights and no optimizer state.
   */
  snapshot(model: LayersModel): { weights: Checkpoint['weights']; optimizer: null } {
    return { weights: weightsOf(model), optimizer: null };
  }

  restore = restoreInto;

  async close(): Promise<void> {
    await this.trainer.close();
  }
}
