import { tf } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import type { ModelStructure } from '../models/model-interface.js';
import { serializeModel, type ModelTopology } from '../models/serialization.js';

/** One tensor in a weights manifest, as tfjs writes it. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface WeightsManifestGroup {
  /** Files, relative to model.json, whose concatenated bytes hold `weights` in order. */
  paths: string[];
  weights: WeightSpec[];
}

/** The model.json of tfjs-layers' `layers-model` format. */
export interface ModelJson {
  modelTopology: ModelTopology;
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  weightsManifest: WeightsManifestGroup[];
}

export const GENERATED_BY = '@fnn/core 0.1.0';
export const WEIGHTS_FILE = 'weights.bin';

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The model.json object and the weights' bytes (little-endian float32, in `model.weights` order). */
export function modelArtifacts(model: ModelStructure): { modelJson: ModelJson; weightData: Uint8Array } {
  const weights = model.weights;
  const specs: WeightSpec[] = weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' }));
  const total = weights.reduce((n, w) => n + w.size, 0);
  const values = new Float32Array(total);
  let offset = 0;
  for (const w of weights) {
    values.set(w.read().dataSync() as Float32Array, offset);
    offset += w.size;
  }
  const modelJson: ModelJson = {
    modelTopology: serializeModel(model),
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  return { modelJson, weightData: float32ToBytes(values) };
}

function float32ToBytes(values: Float32Array): Uint8Array {
  if (littleEndian) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    view.setFloat32(i * 4, v, true);
  });
  return bytes;
}

function bytesToFloat32(bytes: Uint8Array): Float32Array {
  if (littleEndian && bytes.byteOffset % 4 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const values = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

/** Checks a manifest entry and returns its element count; `source` names the file in errors. */
export function checkWeightSpec(spec: unknown, source: string): number {
  const s = spec as Partial<WeightSpec> & { quantization?: unknown };
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.name !== 'string' ||
    !Array.isArray(s.shape) ||
    !s.shape.every((d) => Number.isInteger(d) && d >= 0)
  ) {
    throw new ValueError(
      `${source}: expected each weightsManifest entry to be {name, shape, dtype}, but got ${describeValue(spec)}.`,
    );
  }
  if (s.dtype !== 'float32' || s.quantization !== undefined) {
    throw new ValueError(
      `${source}: weight ${s.name} is stored as ${s.quantization !== undefined ? 'quantized ' : ''}${describeValue(s.dtype)}; only unquantized float32 weights are supported.`,
    );
  }
  return s.shape.reduce((a, b) => a * b, 1);
}

/**
 * Writes the weights of one manifest group into the model's weights, matched by name.
 * `bytes` is the group's files concatenated; its length must be exactly what the specs list.
 */
export function readWeightGroup(
  specs: WeightSpec[],
  bytes: Uint8Array,
  source: string,
): Map<string, { spec: WeightSpec; values: Float32Array }> {
  const sizes = specs.map((spec) => checkWeightSpec(spec, source));
  const expected = sizes.reduce((a, b) => a + b, 0) * 4;
  if (bytes.byteLength !== expected) {
    throw new ValueError(
      `${source} holds ${bytes.byteLength} bytes, but the weightsManifest lists ${expected / 4} float32 values (${expected} bytes): the file is ${bytes.byteLength < expected ? 'truncated' : 'longer than expected'} or does not belong to this model.json.`,
    );
  }
  const values = bytesToFloat32(bytes);
  const byName = new Map<string, { spec: WeightSpec; values: Float32Array }>();
  let offset = 0;
  specs.forEach((spec, i) => {
    byName.set(spec.name, { spec, values: values.slice(offset, offset + sizes[i]!) });
    offset += sizes[i]!;
  });
  return byName;
}

/** Assigns every model weight from `found` by name; names and shapes must match. */
export function assignWeights(
  model: ModelStructure,
  found: Map<string, { spec: WeightSpec; values: Float32Array }>,
  source: string,
): void {
  const weights = model.weights;
  const missing = weights.filter((w) => !found.has(w.name)).map((w) => w.name);
  if (missing.length > 0) {
    throw new ValueError(
      `${source}: the weightsManifest has no values for ${missing.join(', ')}; it lists ${[...found.keys()].join(', ') || 'nothing'}.`,
    );
  }
  for (const w of weights) {
    const { spec, values } = found.get(w.name)!;
    if (spec.shape.length !== w.shape.length || spec.shape.some((d, i) => d !== w.shape[i])) {
      throw new ValueError(
        `${source}: weight ${w.name} has shape ${describeValue(spec.shape)} in the file, but the model expects ${describeValue(w.shape)}.`,
      );
    }
    const tensor = tf.tensor(values, w.shape, 'float32');
    w.write(tensor);
    tensor.dispose();
  }
}
