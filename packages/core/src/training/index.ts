/*
 * @fnn/core/training: the internal contract between @fnn/core and @fnn/trainer (or any engine
 * that runs `fit`'s loop its own way). Model users do not need it: they call `model.compile`,
 * `model.fit`, `model.evaluate` and `model.predict` from the root export. The names and what
 * they guarantee are listed in the package README under "The training contract".
 */

// One step: gradients of one batch, its logs, the optimizer update.
export {
  computeGradients,
  computeLossAndMetrics,
  trainStep,
  readLogs,
  type Batch,
  type GradientHooks,
  type GradientResult,
  type Logs,
} from './train-step.js';
// The epoch loop every engine shares, and the order it visits samples in.
export {
  runTrainingLoop,
  stepSeed,
  nonFiniteLossError,
  type BatchSpec,
  type TrainingLoopArgs,
} from './training-loop.js';
// One fit of any engine at a time per model.
export { beginTraining } from './exclusive-training.js';
export { epochOrder, batchesOf, checkData, splitData, gatherRows, type TrainingData } from './data-adapter.js';
export { resolveFitArgs, type ResolvedFitArgs } from './fit-args.js';
export {
  batchProgressCallback,
  BATCH_PROGRESS_INTERVAL_MS,
  type BatchProgress,
  type BatchProgressHook,
} from './batch-progress.js';
export { evaluateLogs } from './evaluate.js';
export { defaultVerbose, ProgressLogger, type ProgressOutput } from './progress.js';
// Compiled state, and how it travels to a worker thread.
export {
  compileModel,
  requireCompiled,
  serializeCompileArgs,
  type CompiledState,
  type CompiledOutput,
  type SerializedCompileArgs,
} from './compile.js';
// Averaging gradients: the same bits on every backend.
export { weightedSum } from './weighted-sum.js';
// Tensor memory without copies (the one module that reads backend storage).
export { readValues, readFloat32, tensorFromValues, hasDirectAccess, keepsGivenArrays } from './tensor-memory.js';
