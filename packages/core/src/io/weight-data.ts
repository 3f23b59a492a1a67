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

/** Checked weight specs: each spec's number of values, where its bytes start, and the bytes in all. */
export interface CheckedWeightSpecs {
  specs: WeightSpec[];
  sizes: number[];
  offsets: number[];
  /** Bytes the weight data must hold. */
  totalBytes: number;
  /** Values of all specs. */
  values: number;
  /** How the list reads in errors: "551 float32 values (2204 bytes)". */
  described: string;
}

/** The most dimensions a weight may have (tfjs tensors go up to rank 6; Keras layers to 5). */
const MAX_RANK = 8;

/** Bytes per value of the dtypes tfjs writes (int32 for an optimizer's step count, ...), quantized or not. */
const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Checks weight specs from a file or an IOHandler before anything is read or allocated: names,
 * non-negative integer shapes of at most MAX_WEIGHT_VALUES values each, dtypes of known size.
 * Only unquantized float32 weights can be loaded into a model (see `assignWeights`); others (an
 * optimizer's int32 step count) are skipped. `source` starts the errors, `what` names the list.
 */
export function checkWeightSpecs(specs: unknown, source: string, what: string): CheckedWeightSpecs {
  if (!Array.isArray(specs)) {
    throw new ValueError(
      `${source}: expected ${what} to be a list of {name, shape, dtype}, but got ${describeValue(specs)}.`,
    );
  }
  const sizes: number[] = [];
  const offsets: number[] = [];
  let totalBytes = 0;
  for (const spec of specs) {
    const { values, bytesPerValue } = checkWeightSpec(spec, source, what);
    sizes.push(values);
    offsets.push(totalBytes);
    totalBytes += values * bytesPerValue;
  }
  const values = sizes.reduce((a, b) => a + b, 0);
  const allFloat32 = specs.every((spec) => isFloat32(spec));
  const described = `${values}${allFloat32 ? ' float32' : ''} values (${totalBytes} bytes)`;
  return { specs: specs as WeightSpec[], sizes, offsets, totalBytes, values, described };
}

function isFloat32(spec: { dtype?: unknown; quantization?: unknown }): boolean {
  return spec.dtype === 'float32' && spec.quantization == null;
}

function checkWeightSpec(spec: unknown, source: string, what: string): { values: number; bytesPerValue: number } {
  const s = spec as Partial<WeightSpec> & { quantization?: { dtype?: unknown } };
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
  const quantized = s.quantization !== undefined && s.quantization !== null;
  const stored = quantized ? s.quantization?.dtype : s.dtype;
  const bytesPerValue = quantized
    ? typeof stored === 'string' && Object.hasOwn(QUANTIZED_BYTES, stored)
      ? QUANTIZED_BYTES[stored]
      : undefined
    : typeof stored === 'string' && Object.hasOwn(BYTES_PER_VALUE, stored)
      ? BYTES_PER_VALUE[stored]
      : undefined;
  if (bytesPerValue === undefined) {
    throw new ValueError(
      `${source}: weight ${s.name} is stored as ${quantized ? 'quantized ' : ''}${describeValue(stored)}; expected ${quantized ? 'uint8, uint16 or float16' : 'float32, int32 or bool'}.`,
    );
  }
  const values = s.shape.reduce((a, b) => a * b, 1);
  if (values > MAX_WEIGHT_VALUES) {
    throw new ValueError(
      `${source}: ${what} entry ${s.name} has shape ${describeValue(s.shape)}, ${values} values; a weight holds at most ${MAX_WEIGHT_VALUES} values (2^31 - 1).`,
    );
  }
  return { values, bytesPerValue };
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

/** A new Float32Array of little-endian float32 bytes. */
function bytesToFloat32(bytes: Uint8Array): Float32Array {
  if (littleEndian) return new Float32Array(new Uint8Array(bytes).buffer);
  const values = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}

/**
 * Each spec's values by name (float32 ones decoded; others only listed, so errors can name them).
 * `bytes` must hold exactly the checked specs' bytes.
 */
export function decodeWeights(
  checked: CheckedWeightSpecs,
  bytes: Uint8Array,
): Map<string, { spec: WeightSpec; values: Float32Array | undefined }> {
  const byName = new Map<string, { spec: WeightSpec; values: Float32Array | undefined }>();
  checked.specs.forEach((spec, i) => {
    const float32 = isFloat32(spec);
    const start = checked.offsets[i]!;
    // A copy: tfjs may keep the array it is given, and the caller may reuse its buffer.
    const values = float32 ? bytesToFloat32(bytes.subarray(start, start + checked.sizes[i]! * 4)) : undefined;
    byName.set(spec.name, { spec, values });
  });
  return byName;
}

/** Assigns every model weight from `found` by name; names and shapes must match. `what` names the spec list. */
export function assignWeights(
  model: LayersModel,
  found: Map<string, { spec: WeightSpec; values: Float32Array | undefined }>,
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
    const { spec, values } = found.get(w.name)!;
    if (values === undefined) {
      throw new ValueError(
        `${source}: weight ${w.name} is stored as ${(spec as { quantization?: unknown }).quantization == null ? '' : 'quantized '}${describeValue(spec.dtype)}; only unquantized float32 weights are supported.`,
      );
    }
    if (spec.shape.length !== w.shape.length || spec.shape.some((d, i) => d !== w.shape[i])) {
      throw new ValueError(
        `${source}: weight ${w.name} has shape ${describeValue(spec.shape)} in the ${what}, but the model expects ${describeValue(w.shape)}.`,
      );
    }
  }
  for (const w of weights) {
    const tensor = tf.tensor(found.get(w.name)!.values!, w.shape, 'float32');
    w.write(tensor);
    tensor.dispose();
  }
}
