import { tf, type LayersModel, type Tensor } from '@fnn/core';
import { readLogs, stepSeed } from '@fnn/core/training';
import { shardRanges, type Dataset } from '@fnn/data';
import type { ReplicaSpec } from '../messages.js';
import { splitColumns } from '../sample-layout.js';
import type { SharedViews } from '../shared-memory/layout.js';

/** This worker's part of one step's batch. */
export interface Shard {
  epoch: number;
  /** The step's index in the epoch. */
  step: number;
  /** `stepSeed(seed, epoch, step)`, the step's randomness as model.fit derives it. */
  seed: number;
  /** Every worker's shard size, in worker order (a batch smaller than the worker count leaves some empty). */
  sizes: number[];
  /** This worker's shard size. */
  rows: number;
  /** Gathers this worker's rows as the model's input and target tensors (call inside a tidy). */
  tensors(): { xs: Tensor[]; ys: Tensor[] };
  /** Writes the shard's mean loss and metrics where the main thread averages them; returns the loss written. */
  recordLogs(loss: Tensor, metrics: Record<string, Tensor>): number;
}

/**
 * Cuts each batch into one contiguous shard per worker and turns this worker's rows into
 * tensors, through buffers reused at every step.
 */
export class ShardReader {
  /** Room for the largest shard of a batch. */
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  /** Several inputs or targets: one buffer each for the split rows (validation takes whole batches). */
  private readonly splitX: Float32Array[];
  private readonly splitY: Float32Array[];

  private readonly train: Dataset;
  private readonly spec: ReplicaSpec;
  private readonly shared: SharedViews;
  private readonly model: LayersModel;
  private readonly worker: number;

  constructor(options: { train: Dataset; spec: ReplicaSpec; shared: SharedViews; model: LayersModel; worker: number }) {
    const { train, spec, shared, model, worker } = options;
    this.train = train;
    this.spec = spec;
    this.shared = shared;
    this.model = model;
    this.worker = worker;
    const rows = Math.ceil(spec.batchSize / spec.workers);
    this.x = new Float32Array(rows * train.featureSize);
    this.y = new Float32Array(rows * train.labelSize);
    const scratch = (shapes: number[][]) =>
      shapes.length > 1 ? shapes.map((shape) => new Float32Array(spec.batchSize * tf.util.sizeFromShape(shape))) : [];
    this.splitX = scratch(spec.sampleLayout.inputs);
    this.splitY = scratch(spec.sampleLayout.outputs);
  }

  /** This worker's shard of `batch` (sample indices), the `step`-th batch of `epoch`. */
  shard(batch: Uint32Array, epoch: number, step: number): Shard {
    const ranges = shardRanges(batch.length, this.spec.workers);
    const { start, end } = ranges[this.worker]!;
    const rows = end - start;
    const statsAt = this.shared.statsOffset(step, this.worker);
    return {
      epoch,
      step,
      seed: stepSeed(this.spec.seed, epoch, step),
      sizes: ranges.map((r) => r.end - r.start),
      rows,
      tensors: () => {
        this.train.gatherInto(batch.subarray(start, end), this.x, this.y);
        return this.tensorsOf(this.x, this.y, rows);
      },
      recordLogs: (loss, metrics) => {
        const logs = readLogs(this.model.compiled!, { loss, ...metrics });
        this.spec.logKeys.forEach((key, i) => {
          this.shared.stats[statsAt + i] = logs[key]!;
        });
        return this.shared.stats[statsAt]!;
      },
    };
  }

  /** The model's input and target tensors for `rows` rows gathered into `x` and `y` (inside a tidy). */
  tensorsOf(x: Float32Array, y: Float32Array, rows: number): { xs: Tensor[]; ys: Tensor[] } {
    const { inputs, outputs } = this.spec.sampleLayout;
    const make = (parts: Float32Array[], shapes: number[][]) =>
      parts.map((values, i) => tf.tensor(values, [rows, ...shapes[i]!], 'float32'));
    return {
      xs: make(splitColumns(x, rows, inputs, this.splitX), inputs),
      ys: make(splitColumns(y, rows, outputs, this.splitY), outputs),
    };
  }
}
