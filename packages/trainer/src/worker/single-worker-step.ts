import { SeededRandom, tf, type LayersModel, type LayerWeight, type Optimizer } from '@fnn/core';
import { computeGradients } from '@fnn/core/training';
import type { SharedViews } from '../shared-memory/layout.js';
import { readOptimizerState, writeOptimizerState } from '../shared-memory/optimizer-slots.js';
import { copyWeightsOut, type WeightLayout } from '../weight-layout.js';
import type { ReplicaStep, ReplicaStepOptions } from './replica-step.js';
import type { Shard } from './shards.js';
import type { StepTimer } from './step-timer.js';

/**
 * The step of a trainer with one worker: model.fit's own step (the whole batch's gradients,
 * then the model's optimizer), its fastest path; with the same seed it draws model.fit's
 * dropout masks, so the result is model.fit's exactly. Nothing is exchanged: the weights and
 * optimizer state reach shared memory only at the end of each epoch.
 */
export class SingleWorkerStep implements ReplicaStep {
  private readonly model: LayersModel;
  private readonly layout: WeightLayout;
  private readonly shared: SharedViews;
  private readonly timer: StepTimer;
  private readonly optimizer: Optimizer;
  private readonly trainable: LayerWeight[];

  constructor({ model, spec, shared, timer, iterations }: ReplicaStepOptions) {
    this.model = model;
    this.layout = spec.layout;
    this.shared = shared;
    this.timer = timer;
    this.optimizer = model.compiled!.optimizer;
    this.trainable = model.trainableWeights;
    this.optimizer.setState(readOptimizerState(this.optimizer, iterations, this.layout, shared.optimizerSlots));
  }

  run(shard: Shard): boolean {
    this.timer.beginStep();
    let finite = false;
    this.timer.measure('computeMs', () =>
      tf.tidy(() => {
        const { xs, ys } = shard.tensors();
        const context = { training: true, random: new SeededRandom(shard.seed) };
        const { loss, metrics, gradients } = computeGradients(this.model, { inputs: xs, targets: ys }, context);
        finite = Number.isFinite(shard.recordLogs(loss, metrics));
        if (finite) this.timer.measure('applyMs', () => this.optimizer.applyGradients(this.trainable, gradients));
      }),
    );
    this.shared.countStepDone();
    return this.shared.stopRequested || !finite;
  }

  publishState(): number {
    copyWeightsOut(this.trainable, this.layout.trainable, this.shared.params);
    writeOptimizerState(this.optimizer, this.optimizer.stateViews(), this.layout, this.shared.optimizerSlots);
    return this.optimizer.iterations;
  }
}
