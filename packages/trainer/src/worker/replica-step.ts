import type { Shard } from './shards.js';

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
