import type { tf } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import type { LayersModel } from '../models/model.js';
import { modelFromJSON } from '../models/deserialization.js';
import { withWeightBudget } from '../layers/layer-weight.js';
import { FileSystemHandler, joinWeightData } from './file-system.js';
import type { ModelArtifacts } from './model-artifacts.js';
import { applyTrainingConfig } from './training-config.js';
import { assignWeights, checkWeightSpecs, decodeWeights } from './weight-data.js';

/**
 * `loadModel(handlerOrUrl)`, as tfjs's `loadLayersModel`: a `file://` URL or a path (a model.json
 * or its folder) is read by the file-system handler; any tfjs `IOHandler` with a `load` method
 * (`tf.io.fromMemory`, a user's own) gives the artifacts. Rebuilds the model, loads its weights and,
 * when the artifacts hold a `trainingConfig`, compiles it. Errors name the file and what is wrong;
 * a refused model leaves no tensors behind.
 */
export async function loadModel(handlerOrUrl: string | tf.io.IOHandler): Promise<LayersModel> {
  const owner = 'loadModel';
  if (typeof handlerOrUrl === 'string' || handlerOrUrl instanceof FileSystemHandler) {
    const handler = typeof handlerOrUrl === 'string' ? new FileSystemHandler(handlerOrUrl, owner) : handlerOrUrl;
    const { artifacts, source } = await handler.loadWithSource(owner);
    return buildModel(artifacts, source, 'weightsManifest');
  }
  if (typeof handlerOrUrl !== 'object' || handlerOrUrl === null || typeof handlerOrUrl.load !== 'function') {
    throw new ValueError(
      `${owner}: expected a file:// URL, a path or a tfjs IOHandler with a load method, but got ${describeValue(handlerOrUrl)}.`,
    );
  }
  const artifacts = await handlerOrUrl.load();
  return buildModel(artifacts, `${owner}: the artifacts the IOHandler loaded`, 'weightSpecs');
}

/**
 * Rebuilds a model from in-memory tfjs `ModelArtifacts` (what `modelArtifacts(model)` returns or an
 * IOHandler loads): topology, weight specs and data, and the optional training config.
 */
export function modelFromArtifacts(artifacts: ModelArtifacts, source = 'modelFromArtifacts'): LayersModel {
  return buildModel(artifacts, source, 'weightSpecs');
}

function buildModel(artifacts: unknown, source: string, specsName: string): LayersModel {
  if (typeof artifacts !== 'object' || artifacts === null) {
    throw new ValueError(
      `${source}: expected model artifacts {modelTopology, weightSpecs, weightData}, but got ${describeValue(artifacts)}.`,
    );
  }
  const { modelTopology, format, weightSpecs, weightData, trainingConfig } = artifacts as ModelArtifacts;
  if (modelTopology instanceof ArrayBuffer || (format != null && format !== 'layers-model')) {
    throw new ValueError(
      `${source}: this is a ${format === undefined || format === null ? 'graph model (binary topology)' : `${describeValue(format)} model`}; only tfjs layers models (format 'layers-model') can be loaded.`,
    );
  }
  if (typeof modelTopology !== 'object' || modelTopology === null) {
    throw new ValueError(`${source}: expected modelTopology to be an object, but got ${describeValue(modelTopology)}.`);
  }
  // Sizes first: the specs must match the bytes present, and the topology may declare no more
  // values than the specs list, so a hostile topology is refused before it allocates anything.
  const checked = checkWeightSpecs(weightSpecs ?? [], source, specsName);
  const bytes = weightBytes(weightData, source);
  if (bytes.byteLength !== checked.totalBytes) {
    throw new ValueError(
      `${source}: the weight data holds ${bytes.byteLength} bytes, but the ${specsName} lists ${checked.described}.`,
    );
  }
  const model = withWeightBudget(checked.values, source, () =>
    modelFromJSON(modelTopology as Record<string, unknown>, source),
  );
  try {
    assignWeights(model, decodeWeights(checked, bytes), source, specsName);
    if (trainingConfig != null) applyTrainingConfig(model, trainingConfig, source);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

function weightBytes(data: unknown, source: string): Uint8Array {
  if (data === undefined || data === null) return new Uint8Array(0);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data) && data.every((b) => b instanceof ArrayBuffer)) return new Uint8Array(joinWeightData(data));
  throw new ValueError(
    `${source}: expected weightData to be an ArrayBuffer (or a list of them), but got ${describeValue(data)}.`,
  );
}
