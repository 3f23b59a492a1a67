// The progress hook is @fnn/core's, shared with model.fit: the epoch loop both run adds it.
export {
  batchProgressCallback,
  BATCH_PROGRESS_INTERVAL_MS,
  type BatchProgress,
  type BatchProgressHook,
} from '@fnn/core/training';
