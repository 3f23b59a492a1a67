import { mixSeeds, SeededRandom, tf, type CallContext, type LayersModel, type LayerWeight } from '@fnn/core';
import { computeGradients } from '@fnn/core/training';
import type { ReplicaSpec } from '../messages.js';
import type { Barrier } from '../shared-memory/barrier.js';
import { Ctrl, type SharedViews } from '../shared-memory/layout.js';
import { aliasWeights, copyWeightsIn, copyWeightsOut, tensorValues } from '../weight-layout.js';
import { AllReduce } from './all-reduce.js';
import { GradientExchange } from './gradient-exchange.js';
import type { ReplicaStep, ReplicaStepOptions } from './replica-step.js';
import type { Shard } from './shards.js';
import type { StepTimer } from './step-timer.js';

/**
 * One synchronous step of several workers, in three parts:
 * 1. `computeShardGradients`: this worker's shard through the forward and backward pass, each
 *    weight's gradient going to shared memory as soon as the backward pass has it;
 * 2. `GradientExchange.averageAndApply`: every worker averages a share of the gradients
 *    (weighted by shard size, in worker order) and applies the optimizer to that slice of the
 *    one shared parameter vector and optimizer state (ZeRO stage 1);
 * 3. `loadSharedWeights`: after the step barrier, every replica continues from the new weights.
 */
export class DataParallelStep implements ReplicaStep {
  private readonly model: LayersModel;
  private readonly spec: ReplicaSpec;
  private readonly shared: SharedViews;
  private readonly worker: number;
  private readonly barrier: Barrier;
  private readonly timer: StepTimer;
  private readonly exchange: GradientExchange;
  /** Synchronized batch norm's sums over all workers (null without it). */
  private readonly allReduce: AllReduce | null;
  private readonly trainable: LayerWeight[];
  private readonly nonTrainable: LayerWeight[];
  /** Index of each trainable weight in the layout (the gradient hooks name weights). */
  private readonly weightIndex: Map<LayerWeight, number>;
  /** The replica computes with the shared parameters themselves (cpu-like backends): nothing to load after an update. */
  private readonly aliased: boolean;
  /** Optimizer steps taken (Keras's `iterations`), counted alike by every worker. */
  private iterations: number;

  constructor({ model, spec, shared, worker, barrier, timer, iterations }: ReplicaStepOptions) {
    this.model = model;
    this.spec = spec;
    this.shared = shared;
    this.worker = worker;
    this.barrier = barrier;
    this.timer = timer;
    this.iterations = iterations;
    this.trainable = model.trainableWeights;
    this.nonTrainable = model.nonTrainableWeights;
    this.weightIndex = new Map(this.trainable.map((weight, i) => [weight, i]));
    this.allReduce = spec.syncBatchNorm ? new AllReduce(shared, worker, spec.syncTimeoutMs) : null;
    this.aliased = aliasWeights(this.trainable, spec.layout.trainable, shared.params);
    this.exchange = new GradientExchange({
      shared,
      layout: spec.layout,
      optimizer: model.compiled!.optimizer,
      worker,
      timeoutMs: spec.syncTimeoutMs,
      spinMs: spec.spinMs,
      timer,
    });
  }

  run(shard: Shard): boolean {
    this.exchange.beginStep(shard.step, shard.sizes);
    this.allReduce?.beginStep(shard.sizes.filter((n) => n > 0).length);
    this.timer.beginStep();
    this.timer.measure('computeMs', () => this.computeShardGradients(shard));
    const applied = this.averageAndApply();
    const stop = this.timer.measure('waitMs', () => this.endStepTogether());
    if (!applied) return true;
    this.timer.measure('applyMs', () => this.loadSharedWeights());
    return stop;
  }

  publishState(): number {
    // The trainable weights and optimizer state live in shared memory already.
    return this.iterations;
  }

  /**
   * The gradients of this worker's shard, each published to shared memory as soon as the
   * backward pass has it — written there by the layer itself where the backend can (fused
   * native Dense) — then this worker's non-trainable weights (batch norm's moving statistics).
   */
  private computeShardGradients(shard: Shard): void {
    // A batch smaller than the worker count leaves this worker nothing to compute.
    if (shard.rows === 0) return;
    const { exchange } = this;
    // Each worker draws its own dropout masks, from the step's seed and its index.
    const context: CallContext = {
      training: true,
      random: new SeededRandom(mixSeeds(shard.seed, this.worker)),
      gradientOutput: (weight) => {
        const index = this.weightIndex.get(weight);
        return index === undefined ? undefined : exchange.gradientOutput(index);
      },
    };
    if (this.allReduce) Object.assign(context, { allReduceSum: this.allReduce.sum, syncBatchNorm: true });
    tf.tidy(() => {
      const { xs, ys } = shard.tensors();
      const { gradients } = computeGradients(this.model, { inputs: xs, targets: ys }, context, {
        afterLoss: (loss, metrics) => {
          shard.recordLogs(loss, metrics);
          exchange.publishStats();
        },
        onWeightGradient: (weight, gradient) =>
          exchange.publishWeight(this.weightIndex.get(weight)!, tensorValues(gradient)),
      });
      exchange.publishRest((i) => tensorValues(gradients[i]!));
      this.publishNonTrainable();
    });
  }

  /** This worker's non-trainable weights (batch norm's moving statistics after its shard) into its slot, to be averaged. */
  private publishNonTrainable(): void {
    const { layout } = this.spec;
    const slot = this.worker * layout.nonTrainableSize;
    if (layout.nonTrainableSize > 0)
      copyWeightsOut(this.nonTrainable, layout.nonTrainable, this.shared.nonTrainable, slot);
    this.exchange.publishNonTrainable();
  }

  /**
   * Every worker's gradients averaged and applied, a share by each worker; false (nothing
   * applied) when the batch loss is not finite, which every worker reads alike from the shard
   * losses, so all agree on skipping the step.
   */
  private averageAndApply(): boolean {
    const applied = this.exchange.averageAndApply(this.iterations + 1);
    if (applied) this.iterations++;
    return applied;
  }

  /**
   * The step barrier: the last worker to arrive clears the exchange for the next step, takes the
   * stop decision for everyone and counts the step done. Returns whether to stop after this step.
   */
  private endStepTogether(): boolean {
    const { control } = this.shared;
    this.barrier.wait(this.spec.workers, () => {
      this.exchange.reset();
      Atomics.store(control, Ctrl.stopDecided, Atomics.load(control, Ctrl.stopRequest));
      this.shared.countStepDone();
    });
    return Atomics.load(control, Ctrl.stopDecided) === 1;
  }

  /** Every replica continues from the new shared weights (where it does not compute with them in place). */
  private loadSharedWeights(): void {
    const { layout } = this.spec;
    if (!this.aliased) copyWeightsIn(this.trainable, layout.trainable, this.shared.params);
    if (layout.nonTrainableSize > 0)
      copyWeightsIn(this.nonTrainable, layout.nonTrainable, this.shared.nonTrainableAverage);
  }
}
