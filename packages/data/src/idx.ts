import { constants as bufferConstants } from 'node:buffer';
import { DataError, describe } from './errors.js';
import { inflateAtMost, inflateHead, isGzip, MAX_DEFLATE_RATIO } from './gzip.js';
import {
  checkIdxPayload,
  describeIdxPayload,
  MAX_IDX_HEADER_BYTES,
  parseIdxHeader,
  type IdxData,
  type IdxDtype,
  type IdxHeader,
} from './idx-header.js';
import { closeRegularFile, openRegularFile, readExactly, readHead, type RegularFile } from './regular-file.js';

export type { IdxData, IdxDtype };

export interface IdxArray {
  dtype: IdxDtype;
  /** Sizes of the dimensions, outermost first (e.g. [60000, 28, 28]). */
  shape: number[];
  /** The payload in row-major order, converted from big-endian to native numbers. */
  data: IdxData;
}

export interface ReadIdxOptions {
  /**
   * Put `data` in a SharedArrayBuffer (for a Dataset that worker threads share). A raw file is
   * then read straight into shared memory: on this project's VM first-touch page faults cost
   * more than the copy, so avoiding a second buffer halves MNIST's load time.
   */
  shared?: boolean;
  /**
   * Called with the header's dtype and shape before the payload is read or allocated: throw
   * to refuse a file that is well-formed but not what the caller expects (e.g. wrong count).
   */
  checkHeader?: (header: { dtype: IdxDtype; shape: number[] }) => void;
}

/**
 * Parses an IDX file (a path) or its bytes. Gzipped input (starting 1f 8b) is inflated first,
 * so the `.gz` files of MNIST and Fashion-MNIST read as they are downloaded. Everything the
 * header declares is checked against the real file size (or, for gzip, inflation is stopped at
 * the declared size) before the payload is allocated; only regular files are read.
 */
export function readIdx(source: string | Uint8Array, options: ReadIdxOptions = {}): IdxArray {
  if (options === null || typeof options !== 'object') {
    throw new DataError(`Expected readIdx's options to be an object, but got ${describe(options)}.`);
  }
  if (options.checkHeader !== undefined && typeof options.checkHeader !== 'function') {
    throw new DataError(`Expected readIdx's checkHeader to be a function, but got ${describe(options.checkHeader)}.`);
  }
  if (typeof source === 'string') return readIdxFile(source, options);
  if (source instanceof Uint8Array) return decodeIdx(source, 'IDX bytes', options);
  throw new DataError(`Expected readIdx's source to be a file path or a Uint8Array, but got ${describe(source)}.`);
}

function readIdxFile(path: string, options: ReadIdxOptions): IdxArray {
  const file = openRegularFile(path, 'IDX file');
  try {
    const head = readHead(file, MAX_IDX_HEADER_BYTES);
    if (isGzip(head)) return decodeIdx(readAll(file, false), path, options);
    const header = parseIdxHeader(head, path);
    options.checkHeader?.({ dtype: header.type.dtype, shape: header.shape });
    checkIdxPayload(header, file.size - header.headerBytes, path);
    // Read straight into the buffer the data will live in (shared memory if asked): no copy.
    return decodePayload(header, readAll(file, options.shared ?? false), options.shared ?? false);
  } finally {
    closeRegularFile(file);
  }
}

/** The whole file, whose size is already known to be what we need (the header was checked). */
function readAll(file: RegularFile, shared: boolean): Uint8Array {
  checkArraySize(BigInt(file.size), file.path, `the file (${file.size} bytes)`);
  const bytes = new Uint8Array(shared ? new SharedArrayBuffer(file.size) : new ArrayBuffer(file.size));
  readExactly(file, bytes, 0);
  return bytes;
}

function decodeIdx(bytes: Uint8Array, name: string, options: ReadIdxOptions): IdxArray {
  const shared = options.shared ?? false;
  if (!isGzip(bytes)) {
    const header = parseIdxHeader(bytes, name);
    options.checkHeader?.({ dtype: header.type.dtype, shape: header.shape });
    checkIdxPayload(header, bytes.length - header.headerBytes, name);
    return decodePayload(header, bytes, shared);
  }
  const header = parseIdxHeader(inflateHead(bytes, MAX_IDX_HEADER_BYTES, name), name);
  options.checkHeader?.({ dtype: header.type.dtype, shape: header.shape });
  const total = BigInt(header.headerBytes) + header.payloadBytes;
  const possible = BigInt(bytes.length) * BigInt(MAX_DEFLATE_RATIO);
  if (total > possible) {
    throw new DataError(
      `${name}: the header declares ${total} bytes (${describeIdxPayload(header)}, after a ${header.headerBytes}-byte header), ` +
        `but ${bytes.length} bytes of gzip data inflate to at most ${possible}; the file is truncated or corrupt.`,
    );
  }
  checkArraySize(total, name, `the declared ${total} bytes (${describeIdxPayload(header)})`);
  const inflated = inflateAtMost(bytes, Number(total), name);
  if (inflated === null) {
    throw new DataError(
      `${name}: gzip data inflates to more than the ${total} bytes its header declares (${describeIdxPayload(header)}); ` +
        `expected exactly ${total}, so the file is corrupt or not what its header says.`,
    );
  }
  checkIdxPayload(header, inflated.length - header.headerBytes, name);
  return decodePayload(header, inflated, shared);
}

function checkArraySize(bytes: bigint, name: string, what: string): void {
  if (bytes > BigInt(bufferConstants.MAX_LENGTH)) {
    throw new DataError(
      `${name}: ${what}: more than the ${bufferConstants.MAX_LENGTH} bytes one array can hold in this Node.js; split the data into smaller files.`,
    );
  }
}

/** The payload as typed values; `bytes` holds the header and exactly the declared payload. */
function decodePayload(header: IdxHeader, bytes: Uint8Array, shared: boolean): IdxArray {
  const { type, shape, headerBytes } = header;
  const count = Number(header.count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type.bytes === 1 && (!shared || bytes.buffer instanceof SharedArrayBuffer)) {
    // Bytes need no conversion: a view into the (possibly inflated) file, no copy.
    const data =
      type.dtype === 'uint8'
        ? new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, count)
        : new Int8Array(bytes.buffer, bytes.byteOffset + headerBytes, count);
    return { dtype: type.dtype, shape, data };
  }
  const size = count * type.bytes;
  const data = type.make(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size), count);
  if (type.bytes === 1) {
    data.set(new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, count));
    return { dtype: type.dtype, shape, data };
  }
  for (let i = 0, o = headerBytes; i < count; i++, o += type.bytes) data[i] = type.read(view, o);
  return { dtype: type.dtype, shape, data };
}
