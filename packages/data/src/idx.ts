import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from './errors.js';
import { describeValue } from '@fnn/common';

/** Element types of the IDX format (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT"). */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDtype;
  /** Sizes of the dimensions, outermost first (e.g. [60000, 28, 28]). */
  shape: number[];
  /** The payload in row-major order, converted from big-endian to native numbers. */
  data: IdxData;
}

interface IdxType {
  dtype: IdxDtype;
  bytes: number;
  read(view: DataView, offset: number): number;
  make(buffer: ArrayBufferLike, length: number): IdxData;
}

// Type byte → element type; multi-byte values are big-endian in the file.
const TYPES: ReadonlyMap<number, IdxType> = new Map<number, IdxType>([
  [0x08, { dtype: 'uint8', bytes: 1, read: (v, o) => v.getUint8(o), make: (b, n) => new Uint8Array(b, 0, n) }],
  [0x09, { dtype: 'int8', bytes: 1, read: (v, o) => v.getInt8(o), make: (b, n) => new Int8Array(b, 0, n) }],
  [0x0b, { dtype: 'int16', bytes: 2, read: (v, o) => v.getInt16(o), make: (b, n) => new Int16Array(b, 0, n) }],
  [0x0c, { dtype: 'int32', bytes: 4, read: (v, o) => v.getInt32(o), make: (b, n) => new Int32Array(b, 0, n) }],
  [0x0d, { dtype: 'float32', bytes: 4, read: (v, o) => v.getFloat32(o), make: (b, n) => new Float32Array(b, 0, n) }],
  [0x0e, { dtype: 'float64', bytes: 8, read: (v, o) => v.getFloat64(o), make: (b, n) => new Float64Array(b, 0, n) }],
]);

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

export interface ReadIdxOptions {
  /**
   * Put `data` in a SharedArrayBuffer (for a Dataset that worker threads share). A raw file is
   * then read straight into shared memory: on this project's VM first-touch page faults cost
   * more than the copy, so avoiding a second buffer halves MNIST's load time.
   */
  shared?: boolean;
}

/**
 * Parses an IDX file (a path) or its bytes. Gzipped input (starting 1f 8b) is inflated first,
 * so the `.gz` files of MNIST and Fashion-MNIST read as they are downloaded.
 */
export function readIdx(source: string | Uint8Array, options: ReadIdxOptions = {}): IdxArray {
  const shared = options.shared ?? false;
  let bytes: Uint8Array;
  let name: string;
  if (typeof source === 'string') {
    name = source;
    try {
      bytes = shared ? readIntoShared(source) : readFileSync(source);
    } catch (err) {
      throw new DataError(`Cannot read IDX file ${source}: ${(err as Error).message}`);
    }
  } else if (source instanceof Uint8Array) {
    name = 'IDX bytes';
    bytes = source;
  } else {
    throw new DataError(
      `Expected readIdx's source to be a file path or a Uint8Array, but got ${describeValue(source)}.`,
    );
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DataError(`${name}: gzip data is corrupt (${(err as Error).message}).`);
    }
  }
  return parseIdx(bytes, name, shared);
}

function readIntoShared(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const bytes = new Uint8Array(new SharedArrayBuffer(size));
    let offset = 0;
    while (offset < size) {
      const read = readSync(fd, bytes, offset, size - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    return bytes.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}

function parseIdx(bytes: Uint8Array, name: string, shared: boolean): IdxArray {
  if (bytes.length < 4) {
    throw new DataError(`${name}: truncated header: ${bytes.length} bytes, expected at least 4 (the magic number).`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(
      `${name}: wrong magic number ${magic} (bytes ${hex(bytes[0]!)} ${hex(bytes[1]!)} ${hex(bytes[2]!)} ${hex(bytes[3]!)}); ` +
        `an IDX file starts with two zero bytes, a type byte and the number of dimensions (e.g. 2051 for MNIST images, 2049 for labels).`,
    );
  }
  const type = TYPES.get(bytes[2]!);
  if (type === undefined) {
    throw new DataError(
      `${name}: unknown IDX type byte ${hex(bytes[2]!)} in magic number ${magic}; expected one of 0x08 (uint8), 0x09 (int8), ` +
        `0x0b (int16), 0x0c (int32), 0x0d (float32), 0x0e (float64).`,
    );
  }
  const ndims = bytes[3]!;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${name}: truncated header: ${bytes.length} bytes, expected ${headerBytes} for ${ndims} dimension sizes.`,
    );
  }
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d);
    shape.push(size);
    count *= size;
  }
  const payload = bytes.length - headerBytes;
  const expected = count * type.bytes;
  if (payload !== expected) {
    throw new DataError(
      `${name}: payload is ${payload} bytes, expected ${expected} ` +
        `(sizes ${shape.join(' × ')} = ${count} elements of ${type.dtype}, ${type.bytes} byte${type.bytes > 1 ? 's' : ''} each)` +
        (payload < expected ? '; the file is truncated.' : '.'),
    );
  }
  if (type.bytes === 1 && (!shared || bytes.buffer instanceof SharedArrayBuffer)) {
    // Bytes need no conversion: a view into the (possibly inflated) file, no copy.
    const data =
      type.dtype === 'uint8'
        ? new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, count)
        : new Int8Array(bytes.buffer, bytes.byteOffset + headerBytes, count);
    return { dtype: type.dtype, shape, data };
  }
  const data = type.make(shared ? new SharedArrayBuffer(expected) : new ArrayBuffer(expected), count);
  if (type.bytes === 1) {
    data.set(new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, count));
    return { dtype: type.dtype, shape, data };
  }
  for (let i = 0, o = headerBytes; i < count; i++, o += type.bytes) data[i] = type.read(view, o);
  return { dtype: type.dtype, shape, data };
}
