import { tf } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import type { LayersModel } from '../models/model.js';
import type { LayerWeight } from '../layers/layer-weight.js';
import { MAX_WEIGHT_VALUES } from '../layers/layer-weight.js';

/** One tensor in a weights manifest (tfjs's `WeightsManifestEntry`, as far as @fnn/core writes it). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** Checked weight specs: each spec's number of values and their sum. */
export interface CheckedWeightSpecs {
  specs: WeightSpec[];
  sizes: number[];
  /** Values in all; the weight data holds 4 bytes (float32) per value. */
  total: number;
}

/** The most dimensions a weight may have (tfjs tensors go up to rank 6; Keras layers to 5). */
const MAX_RANK = 8;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Checks weight specs from a file or an IOHandler before anything is read or allocated: names,
 * non-negative integer shapes of at most MAX_WEIGHT_VALUES values each, unquantized float32.
 * `source` starts the error messages, `what` names the list (`weightsManifest`, `weightSpecs`).
 */
export function checkWeightSpecs(specs: unknown, source: string, what: string): CheckedWeightSpecs {
  if (!Array.isArray(specs)) {
    throw new ValueError(
      `${source}: expected ${what} to be a list of {name, shape, dtype}, but got ${describeValue(specs)}.`,
    );
  }
  const sizes = specs.map((spec) => checkWeightSpec(spec, source, what));
  return { specs: specs as WeightSpec[], sizes, total: sizes.reduce((a, b) => a + b, 0) };
}

function checkWeightSpec(spec: unknown, source: string, what: string): number {
  const s = spec as Partial<WeightSpec> & { quantization?: unknown };
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.name !== 'string' ||
    !Array.isArray(s.shape) ||
    s.shape.length > MAX_RANK ||
    !s.shape.every((d) => Number.isInteger(d) && d >= 0)
  ) {
    throw new ValueError(
      `${source}: expected each ${what} entry to be {name, shape, dtype} with a shape of at most ${MAX_RANK} non-negative integers, but got ${describeValue(spec)}.`,
    );
  }
  if (s.dtype !== 'float32' || s.quantization !== undefined) {
    throw new ValueError(
      `${source}: weight ${s.name} is stored as ${s.quantization !== undefined ? 'quantized ' : ''}${describeValue(s.dtype)}; only unquantized float32 weights are supported.`,
    );
  }
  const size = s.shape.reduce((a, b) => a * b, 1);
  if (size > MAX_WEIGHT_VALUES) {
    throw new ValueError(
      `${source}: ${what} entry ${s.name} has shape ${describeValue(s.shape)}, ${size} values; a weight holds at most ${MAX_WEIGHT_VALUES} values (2^31 - 1).`,
    );
  }
  return size;
}

/** The weights' values as tfjs's weight data: little-endian float32, in the given order. */
export function encodeWeights(weights: LayerWeight[]): { specs: WeightSpec[]; data: ArrayBuffer } {
  const specs: WeightSpec[] = weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' }));
  const values = new Float32Array(weights.reduce((n, w) => n + w.size, 0));
  let offset = 0;
  for (const w of weights) {
    values.set(w.read().dataSync() as Float32Array, offset);
    offset += w.size;
  }
  if (littleEndian) return { specs, data: values.buffer };
  const bytes = new ArrayBuffer(values.length * 4);
  const view = new DataView(bytes);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { specs, data: bytes };
}

function bytesToFloat32(bytes: Uint8Array): Float32Array {
  if (littleEndian && bytes.byteOffset % 4 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const values = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

/** Each spec's values by name; `bytes` must hold exactly the checked specs' values. */
export function decodeWeights(
  checked: CheckedWeightSpecs,
  bytes: Uint8Array,
): Map<string, { spec: WeightSpec; values: Float32Array }> {
  const values = bytesToFloat32(bytes);
  const byName = new Map<string, { spec: WeightSpec; values: Float32Array }>();
  let offset = 0;
  checked.specs.forEach((spec, i) => {
    // A copy: tfjs may keep the array it is given, and the caller may reuse its buffer.
    byName.set(spec.name, { spec, values: values.slice(offset, offset + checked.sizes[i]!) });
    offset += checked.sizes[i]!;
  });
  return byName;
}

/** Assigns every model weight from `found` by name; names and shapes must match. `what` names the spec list. */
export function assignWeights(
  model: LayersModel,
  found: Map<string, { spec: WeightSpec; values: Float32Array }>,
  source: string,
  what: string,
): void {
  const weights = model.weights;
  const missing = weights.filter((w) => !found.has(w.name)).map((w) => w.name);
  if (missing.length > 0) {
    const listed = [...found.keys()];
    throw new ValueError(
      `${source}: the ${what} has no values for ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''}; it lists ${listed.slice(0, 20).join(', ') || 'nothing'}${listed.length > 20 ? `, ... (${listed.length} weights)` : ''}.`,
    );
  }
  for (const w of weights) {
    const { spec } = found.get(w.name)!;
    if (spec.shape.length !== w.shape.length || spec.shape.some((d, i) => d !== w.shape[i])) {
      throw new ValueError(
        `${source}: weight ${w.name} has shape ${describeValue(spec.shape)} in the ${what}, but the model expects ${describeValue(w.shape)}.`,
      );
    }
  }
  for (const w of weights) {
    const tensor = tf.tensor(found.get(w.name)!.values, w.shape, 'float32');
    w.write(tensor);
    tensor.dispose();
  }
}
