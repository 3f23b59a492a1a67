import type { LayersModel } from '@fnn/core';
import type { ReplicaSpec } from '../messages.js';
import type { Barrier } from '../shared-memory/barrier.js';
import type { SharedViews } from '../shared-memory/layout.js';
import type { Shard } from './shards.js';
import type { StepTimer } from './step-timer.js';

/** How a replica takes one synchronous training step: alone (SingleWorkerStep) or with the others (DataParallelStep). */
export interface ReplicaStep {
  /** One step on this worker's shard; returns whether to stop after it (a stop request, or a non-finite loss). */
  run(shard: Shard): boolean;
  /**
   * Worker 0 at the end of an epoch: puts the trainable weights and optimizer state into shared
   * memory where they are not there already; returns the optimizer's step count.
   */
  publishState(): number;
}

/** What a replica hands its step. */
export interface ReplicaStepOptions {
  model: LayersModel;
  spec: ReplicaSpec;
  shared: SharedViews;
  /** This worker's index. */
  worker: number;
  /** The step barrier every worker passes once per step. */
  barrier: Barrier;
  timer: StepTimer;
  /** The optimizer's step count when the fit (or resumed run) began. */
  iterations: number;
}
