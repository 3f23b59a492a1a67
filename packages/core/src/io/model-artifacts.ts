import type { tf } from '../tf.js';
import type { CompilableModel, ModelStructure } from '../models/model-interface.js';
import { serializeModel, type ModelTopology } from '../models/serialization.js';
import { encodeWeights, type WeightSpec } from './weight-data.js';
import { trainingConfigOf, type TrainingConfig } from './training-config.js';

export type { WeightSpec } from './weight-data.js';

/** tfjs's `ModelArtifacts`: what an IOHandler's `save` receives and its `load` returns. */
export type ModelArtifacts = tf.io.ModelArtifacts;

export interface WeightsManifestGroup {
  /** Files, relative to model.json, whose concatenated bytes hold `weights` in order. */
  paths: string[];
  weights: WeightSpec[];
}

/** The model.json of tfjs-layers' `layers-model` format, as the file-system handler writes it. */
export interface ModelJson {
  modelTopology: ModelTopology;
  format: string;
  generatedBy: string;
  convertedBy: string | null;
  trainingConfig?: TrainingConfig | tf.io.TrainingConfig;
  signature?: tf.io.ModelArtifacts['signature'];
  userDefinedMetadata?: tf.io.ModelArtifacts['userDefinedMetadata'];
  weightsManifest: WeightsManifestGroup[];
}

export const GENERATED_BY = '@fnn/core 0.1.0';
export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/**
 * The model as tfjs's `ModelArtifacts`: topology, weight specs and data (little-endian float32 in
 * `model.weights` order), format, generatedBy, convertedBy, and for a compiled model the
 * `trainingConfig` tfjs-layers writes. Any tfjs IOHandler can save it; `tf.loadLayersModel`
 * (through `tf.io.fromMemory`) and `loadModel` rebuild the model from it.
 */
export function modelArtifacts(model: ModelStructure & CompilableModel): ModelArtifacts {
  const { specs, data } = encodeWeights(model.weights);
  const trainingConfig = trainingConfigOf(model.compiled);
  return {
    modelTopology: serializeModel(model),
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
    ...(trainingConfig ? { trainingConfig: trainingConfig as tf.io.TrainingConfig } : {}),
    weightSpecs: specs,
    weightData: data,
  };
}
