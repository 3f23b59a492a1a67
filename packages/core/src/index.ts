// The public surface of @fnn/core.
export { tf } from './tf.js';
export type { Tensor, Variable } from './tf.js';
export { setBackend, getBackend, ensureBackend, type BackendName } from './backend.js';
export { ValueError, RuntimeError } from './errors.js';
export { formatShape, type Shape } from './shape.js';
export { resetNames } from './naming.js';
export { SeededRandom, mixSeeds } from './random.js';
export { initializers, getInitializer, Initializer } from './initializers/index.js';
export { getActivation, ACTIVATION_NAMES, type ActivationName } from './activations.js';
export { SymbolicTensor } from './engine/symbolic-tensor.js';
export type { CallContext } from './engine/context.js';
export type { Tape } from './engine/graph.js';
export { Layer, type LayerArgs } from './layers/layer.js';
export { LayerWeight } from './layers/layer-weight.js';
export { layers } from './layers/index.js';
export { Dense, type DenseArgs } from './layers/dense.js';
export { Activation, type ActivationArgs } from './layers/activation-layer.js';
export { Dropout, type DropoutArgs } from './layers/dropout.js';
export { BatchNormalization, type BatchNormalizationArgs } from './layers/batch-normalization.js';
export { Flatten, type FlattenArgs } from './layers/flatten.js';
export { Reshape, type ReshapeArgs } from './layers/reshape.js';
export { Conv2D, type Conv2DArgs } from './layers/conv2d.js';
export { MaxPooling2D, type MaxPooling2DArgs } from './layers/max-pooling2d.js';
export { Concatenate, concatenate, type ConcatenateArgs } from './layers/concatenate.js';
export { Add, add, type AddArgs } from './layers/add.js';
export { InputLayer, input, type InputArgs } from './layers/input-layer.js';
export { LayersModel, model, type ModelArgs } from './models/model.js';
export { Sequential, sequential, type SequentialArgs } from './models/sequential.js';
export { modelFromJSON } from './models/deserialization.js';
export { registerLayer, knownLayerClassNames, type LayerClass } from './models/layer-registry.js';
export type { ModelTopology } from './models/serialization.js';
export { loadModel, modelFromArtifacts } from './io/load.js';
export {
  modelArtifacts,
  type ModelArtifacts,
  type ModelJson,
  type WeightSpec,
  type WeightsManifestGroup,
} from './io/model-artifacts.js';
export { fileSystem, FileSystemHandler, MAX_MODEL_JSON_BYTES, type FileSaveResult } from './io/file-system.js';
export type { TrainingConfig } from './io/training-config.js';
export { MAX_JSON_DEPTH } from './io/json-tree.js';
export { MAX_WEIGHT_VALUES } from './layers/layer-weight.js';
export { History } from './training/history.js';
export type { CompileArgs } from './training/compile.js';
export type { FitArgs } from './training/fit.js';
export type { EvaluateArgs } from './training/evaluate.js';
export type { PredictArgs } from './training/predict.js';
export { losses, getLoss, LOSS_NAMES, EPSILON, type Loss, type LossIdentifier } from './training/losses.js';
export {
  metrics,
  resolveMetric,
  METRIC_NAMES,
  type Metric,
  type MetricIdentifier,
  type ResolvedMetric,
} from './training/metrics.js';
export {
  optimizers,
  getOptimizer,
  serializeOptimizer,
  Optimizer,
  Adam,
  SGD,
  RMSprop,
  Adagrad,
  type OptimizerIdentifier,
  type OptimizerConfig,
  type OptimizerState,
  type AdamArgs,
  type SGDArgs,
  type RMSpropArgs,
  type AdagradArgs,
} from './training/optimizers/index.js';
export {
  callbacks,
  Callback,
  EarlyStopping,
  ModelCheckpoint,
  type CallbackHooks,
  type CallbackLike,
  type TrainingParams,
  type EarlyStoppingArgs,
  type ModelCheckpointArgs,
} from './training/callbacks/index.js';
export type { ProgressOutput } from './training/progress.js';
export type { Logs } from './training/train-step.js';
export type { CompiledState } from './training/compile.js';

// TEMPORARY: the names @fnn/trainer imported from the root before @fnn/core/training existed.
// Removed once the trainer imports them from '@fnn/core/training'.
export {
  computeGradients,
  computeLossAndMetrics,
  readLogs,
  runTrainingLoop,
  stepSeed,
  nonFiniteLossError,
  requireCompiled,
  serializeCompileArgs,
  checkData,
  defaultVerbose,
  weightedSum,
  type BatchSpec,
  type SerializedCompileArgs,
} from './training/index.js';
