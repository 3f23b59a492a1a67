import { DataError } from './errors.js';

/** Element types of the IDX format (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT"). */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxType {
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

/** The longest possible header: the magic number and 255 dimension sizes. */
export const MAX_IDX_HEADER_BYTES = 4 + 4 * 255;

/** What an IDX header declares, known before a byte of the payload is read or allocated. */
export interface IdxHeader {
  type: IdxType;
  /** Sizes of the dimensions, outermost first. */
  shape: number[];
  headerBytes: number;
  /** Elements and payload bytes the sizes imply (exact, even beyond 2^53). */
  count: bigint;
  payloadBytes: bigint;
}

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

/**
 * Parses the header at the start of `head` (the first bytes of the file or more; the payload
 * is not needed). Throws a DataError naming `name` when the header is malformed or truncated.
 */
export function parseIdxHeader(head: Uint8Array, name: string): IdxHeader {
  if (head.length < 4) {
    throw new DataError(`${name}: truncated header: ${head.length} bytes, expected at least 4 (the magic number).`);
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const magic = view.getUint32(0);
  if (head[0] !== 0 || head[1] !== 0) {
    throw new DataError(
      `${name}: wrong magic number ${magic} (bytes ${hex(head[0]!)} ${hex(head[1]!)} ${hex(head[2]!)} ${hex(head[3]!)}); ` +
        `an IDX file starts with two zero bytes, a type byte and the number of dimensions (e.g. 2051 for MNIST images, 2049 for labels).`,
    );
  }
  const type = TYPES.get(head[2]!);
  if (type === undefined) {
    throw new DataError(
      `${name}: unknown IDX type byte ${hex(head[2]!)} in magic number ${magic}; expected one of 0x08 (uint8), 0x09 (int8), ` +
        `0x0b (int16), 0x0c (int32), 0x0d (float32), 0x0e (float64).`,
    );
  }
  const ndims = head[3]!;
  const headerBytes = 4 + 4 * ndims;
  if (head.length < headerBytes) {
    throw new DataError(
      `${name}: truncated header: ${head.length} bytes, expected ${headerBytes} for ${ndims} dimension sizes.`,
    );
  }
  const shape: number[] = [];
  let count = 1n;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d);
    shape.push(size);
    count *= BigInt(size);
  }
  return { type, shape, headerBytes, count, payloadBytes: count * BigInt(type.bytes) };
}

/** "sizes 2 × 2 = 4 elements of int32, 4 bytes each", for messages about the payload. */
export function describeIdxPayload(header: IdxHeader): string {
  const { type, shape, count } = header;
  return `sizes ${shape.join(' × ')} = ${count} elements of ${type.dtype}, ${type.bytes} byte${type.bytes > 1 ? 's' : ''} each`;
}

/** Throws unless the payload the header declares is exactly `available` bytes. */
export function checkIdxPayload(header: IdxHeader, available: number, name: string): void {
  const expected = header.payloadBytes;
  if (BigInt(available) !== expected) {
    throw new DataError(
      `${name}: payload is ${available} bytes, expected ${expected} (${describeIdxPayload(header)})` +
        (BigInt(available) < expected ? '; the file is truncated.' : '.'),
    );
  }
}
