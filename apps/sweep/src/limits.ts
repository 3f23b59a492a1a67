import { threadLimit, type ThreadLimit } from '@fnn/common';

/**
 * Caps on what a sweep may ask for, checked before anything is allocated: a grid, a plan or a
 * run file is untrusted input, and a value beyond these is a mistake, not a workload.
 */

/** Runs in one sweep (grid product × --repeats). Larger plans are almost certainly a misplaced list. */
export const MAX_RUNS = 1000;
/** Hidden layers of one model. */
export const MAX_HIDDEN_LAYERS = 100;
/** Units of one hidden layer. */
export const MAX_UNITS = 65_536;
/** Parameters of one model: 100 M float32 weights are 400 MB, and Adam keeps two more copies per worker. */
export const MAX_PARAMS = 100_000_000;
export const MAX_EPOCHS = 10_000;
export const MAX_BATCH_SIZE = 65_536;
/** Seeds are unsigned 32-bit integers (the trainer's and tfjs's seeded generators take 32 bits). */
export const MAX_SEED = 0xffff_ffff;

/** Bytes of a grid file: a hand-written grid is a few hundred bytes. */
export const MAX_GRID_FILE_BYTES = 1 << 20;
/** Bytes of sweep.json, a runs/<id>.json or a checkpoint manifest (history and summary included). */
export const MAX_JSON_FILE_BYTES = 16 << 20;

/**
 * Training threads a sweep may start with --oversubscribe: the rule the data-parallel trainer
 * bounds its workers with (@fnn/common's threadLimit: 4 per core, and what half the memory holds),
 * but never fewer than the cores, which the default plan fills with one run each.
 */
export function maxThreads(cores: number, totalMemoryBytes = Infinity): ThreadLimit {
  const rule = threadLimit({ cores, memoryBytes: totalMemoryBytes });
  return rule.limit >= cores ? rule : { limit: cores, reason: `one per core on this machine's ${cores} cores` };
}
