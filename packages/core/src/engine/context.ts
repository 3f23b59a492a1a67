import { SeededRandom } from '../random.js';
import type { LayerWeight } from '../layers/layer-weight.js';

/** What a forward or backward pass needs besides tensors. */
export interface CallContext {
  /** Training mode: dropout active, batch norm uses (and updates from) batch statistics. */
  training: boolean;
  /** Seeded source of dropout masks, so runs with the same seed are identical. */
  random: SeededRandom;
  /**
   * Sums values element-wise across data-parallel replicas (for synchronized batch norm).
   * Absent on a single thread, where the local values are the whole batch.
   */
  allReduceSum?: (key: string, values: Float32Array) => Float32Array;
  /**
   * Batch normalization computes its statistics over the global batch (all replicas) through
   * `allReduceSum`, instead of over each replica's shard. Ignored without `allReduceSum`.
   */
  syncBatchNorm?: boolean;
  /**
   * Where a layer may write a weight's gradient instead of fresh memory (a data-parallel
   * worker's slot of shared memory), or undefined. Asked at most once per weight and step; only
   * backends with fused layer kernels use it.
   */
  gradientOutput?: (weight: LayerWeight) => Float32Array | undefined;
}

export function inferenceContext(): CallContext {
  return { training: false, random: new SeededRandom(0) };
}
