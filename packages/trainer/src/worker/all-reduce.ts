import { Barrier } from '../shared-memory/barrier.js';
import { Ctrl, type SharedViews } from '../shared-memory/layout.js';

/**
 * `context.allReduceSum` for synchronized batch norm: every worker with a non-empty shard calls
 * it with the same keys in the same order; each gets the element-wise sum over those workers,
 * added in worker order so every replica computes bit-identical values.
 *
 * Calls alternate between two regions of shared memory, so one barrier per call suffices: a
 * worker can only write a region again after every worker passed the following call's barrier,
 * i.e. finished reading it.
 */
export class AllReduce {
  private readonly barrier: Barrier;
  private call = 0;
  private parties = 0;

  constructor(
    private readonly shared: SharedViews,
    private readonly worker: number,
    timeoutMs: number,
  ) {
    this.barrier = new Barrier({
      control: shared.control,
      countSlot: Ctrl.reduceCount,
      generationSlot: Ctrl.reduceGeneration,
      timeoutMs,
      what: `worker ${worker}: allReduceSum`,
    });
  }

  /** Called by every worker at the start of a step: `parties` workers have samples in it. */
  beginStep(parties: number): void {
    this.call = 0;
    this.parties = parties;
  }

  readonly sum = (key: string, values: Float32Array): Float32Array => {
    const { reduceValues, reduceKeys, sizes } = this.shared;
    const slotSize = sizes.reduceSlotSize;
    if (values.length > slotSize) {
      throw new Error(
        `allReduceSum(${JSON.stringify(key)}): expected at most ${slotSize} values (the space reserved per worker), but got ${values.length}.`,
      );
    }
    const region = this.call++ % 2;
    const slot = (w: number) => (region * sizes.workers + w) * slotSize;
    const keySlot = (w: number) => 2 * (region * sizes.workers + w);
    reduceValues.set(values, slot(this.worker));
    reduceKeys[keySlot(this.worker)] = hashKey(key);
    reduceKeys[keySlot(this.worker) + 1] = values.length;
    this.barrier.wait(this.parties);
    const out = new Float32Array(values.length);
    for (let w = 0; w < this.parties; w++) {
      if (reduceKeys[keySlot(w)] !== hashKey(key) || reduceKeys[keySlot(w) + 1] !== values.length) {
        throw new Error(
          `allReduceSum(${JSON.stringify(key)}, ${values.length} values): worker ${w} reduced a different key or length in the same call; every replica must run the same layers.`,
        );
      }
    }
    for (let i = 0; i < values.length; i++) {
      let s = 0;
      for (let w = 0; w < this.parties; w++) s += reduceValues[slot(w) + i]!;
      out[i] = s;
    }
    return out;
  };
}

function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 0;
}
