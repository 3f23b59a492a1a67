// A run's per-epoch record, on its own: checkpoints keep it and the executor reports it, and
// checkpoint.ts must not import executor.ts (which imports the checkpoint store).

/** Per-epoch metrics with Keras's key names. */
export interface EpochHistory {
  loss: number[];
  accuracy: number[];
  val_loss: number[];
  val_accuracy: number[];
  /** Seconds spent on each epoch (training + validation). */
  seconds: number[];
  /** Data-parallel workers that trained each epoch (a run can grow when cores free up). */
  workers: number[];
}
