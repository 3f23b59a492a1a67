import { readCheckpoint, removeCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';

/**
 * Where a run keeps its last finished epoch: a folder on this machine (a local sweep), or a
 * store every worker machine reaches (the queue's Redis). A run calls `write` at each epoch end
 * and goes on training while it completes.
 */
export interface CheckpointStore {
  /** The last complete checkpoint, or null when there is none. */
  read(): Promise<Checkpoint | null>;
  /** Takes a copy of the checkpoint's arrays before it returns: training changes them right after. */
  write(checkpoint: Checkpoint): Promise<void>;
  /** Called when the run has finished: the checkpoint is no longer needed. */
  remove(): Promise<void>;
}

/** The local sweep's checkpoints: `<out>/checkpoints/<id>/` (see checkpoint.ts); `warn` hears about damaged ones. */
export function folderCheckpoints(dir: string, warn?: (message: string) => void): CheckpointStore {
  return {
    read: async () => readCheckpoint(dir, warn),
    write: async (checkpoint) => writeCheckpoint(dir, checkpoint),
    remove: async () => removeCheckpoint(dir),
  };
}
