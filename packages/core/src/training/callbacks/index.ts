import { earlyStopping } from './early-stopping.js';
import { modelCheckpoint } from './model-checkpoint.js';

export { Callback, CallbackList, type CallbackHooks, type CallbackLike, type TrainingParams } from './callback.js';
export { EarlyStopping, type EarlyStoppingArgs } from './early-stopping.js';
export { ModelCheckpoint, type ModelCheckpointArgs } from './model-checkpoint.js';

/** Built-in callbacks, as `tf.callbacks.*`: `callbacks.earlyStopping({monitor: 'val_loss', patience: 3})`. */
export const callbacks = { earlyStopping, modelCheckpoint };
