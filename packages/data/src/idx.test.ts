import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, readIdx } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'fnn-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TYPES = {
  uint8: [0x08, 1, (v: DataView, o: number, x: number) => v.setUint8(o, x)],
  int8: [0x09, 1, (v: DataView, o: number, x: number) => v.setInt8(o, x)],
  int16: [0x0b, 2, (v: DataView, o: number, x: number) => v.setInt16(o, x)],
  int32: [0x0c, 4, (v: DataView, o: number, x: number) => v.setInt32(o, x)],
  float32: [0x0d, 4, (v: DataView, o: number, x: number) => v.setFloat32(o, x)],
  float64: [0x0e, 8, (v: DataView, o: number, x: number) => v.setFloat64(o, x)],
} as const;

/** Encodes an IDX file by the spec: 0 0 type ndims, big-endian uint32 sizes, big-endian values. */
function encodeIdx(dtype: keyof typeof TYPES, shape: number[], values: number[]): Uint8Array {
  const [code, bytes, write] = TYPES[dtype];
  const out = new Uint8Array(4 + 4 * shape.length + values.length * bytes);
  const view = new DataView(out.buffer);
  out.set([0, 0, code, shape.length]);
  shape.forEach((s, i) => {
    view.setUint32(4 + 4 * i, s);
  });
  values.forEach((x, i) => {
    write(view, 4 + 4 * shape.length + i * bytes, x);
  });
  return out;
}

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('readIdx', () => {
  it('reads every IDX element type, big-endian, from files and bytes', () => {
    const cases: [keyof typeof TYPES, number[]][] = [
      ['uint8', [0, 1, 127, 128, 255, 7]],
      ['int8', [-128, -1, 0, 1, 127, 5]],
      ['int16', [-32768, -2, 0, 258, 32767, 9]],
      ['int32', [-2147483648, -3, 0, 16909060, 2147483647, 11]],
      ['float32', [-1.5, 0, 0.25, 3.5, 1e10, -7]],
      ['float64', [Math.PI, -Math.E, 0, 1e-300, 1e300, 0.1]],
    ];
    for (const [dtype, values] of cases) {
      const bytes = encodeIdx(dtype, [2, 3], values);
      for (const result of [readIdx(bytes), readIdx(file(`t.${dtype}`, bytes))]) {
        expect(result.dtype).toBe(dtype);
        expect(result.shape).toEqual([2, 3]);
        expect(Array.from(result.data)).toEqual(dtype === 'float32' ? values.map(Math.fround) : values);
      }
    }
  });

  it('reads gzipped files transparently', () => {
    const bytes = encodeIdx('int16', [3], [1, -2, 300]);
    const result = readIdx(file('t.gz', gzipSync(bytes)));
    expect(result).toMatchObject({ dtype: 'int16', shape: [3] });
    expect(Array.from(result.data)).toEqual([1, -2, 300]);
  });

  it('puts data in shared memory when asked, for raw and gzipped files', () => {
    const bytes = encodeIdx('uint8', [2, 2], [1, 2, 3, 4]);
    for (const path of [file('s.raw', bytes), file('s.gz', gzipSync(bytes))]) {
      const result = readIdx(path, { shared: true });
      expect(result.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(result.data)).toEqual([1, 2, 3, 4]);
    }
    const f64 = readIdx(encodeIdx('float64', [1], [2.5]), { shared: true });
    expect(f64.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(f64.data[0]).toBe(2.5);
  });

  it('rejects a wrong magic number, naming the file and the number', () => {
    const path = file('bad-magic', Uint8Array.from([0x12, 0x34, 0x08, 0x01, 0, 0, 0, 0]));
    expect(() => readIdx(path)).toThrow(DataError);
    expect(() => readIdx(path)).toThrow(`${path}: wrong magic number 305399809 (bytes 0x12 0x34 0x08 0x01)`);
  });

  it('rejects an unknown type byte', () => {
    const path = file('bad-type', Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0]));
    expect(() => readIdx(path)).toThrow(`${path}: unknown IDX type byte 0x0a in magic number 2561`);
  });

  it('rejects truncated headers', () => {
    const tiny = file('tiny', Uint8Array.from([0, 0, 8]));
    expect(() => readIdx(tiny)).toThrow(`${tiny}: truncated header: 3 bytes, expected at least 4`);
    const short = file('short-dims', Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0]));
    expect(() => readIdx(short)).toThrow(`${short}: truncated header: 10 bytes, expected 16 for 3 dimension sizes`);
  });

  it('rejects payloads that do not match the sizes (truncated or too long)', () => {
    const full = encodeIdx('int32', [2, 2], [1, 2, 3, 4]);
    const truncated = file('truncated', full.subarray(0, full.length - 3));
    expect(() => readIdx(truncated)).toThrow(
      `${truncated}: payload is 13 bytes, expected 16 (sizes 2 × 2 = 4 elements of int32, 4 bytes each); the file is truncated.`,
    );
    const long = file('long', Uint8Array.from([...full, 9]));
    expect(() => readIdx(long)).toThrow(`${long}: payload is 17 bytes, expected 16`);
    const gz = file('truncated.gz', gzipSync(full.subarray(0, 20)));
    expect(() => readIdx(gz)).toThrow(`${gz}: payload is 8 bytes, expected 16`);
  });

  it('rejects corrupt gzip data and missing files, naming the file', () => {
    const gz = gzipSync(encodeIdx('uint8', [4], [1, 2, 3, 4]));
    const corrupt = file('corrupt.gz', gz.subarray(0, gz.length - 6));
    expect(() => readIdx(corrupt)).toThrow(`${corrupt}: gzip data is corrupt`);
    const missing = join(dir, 'nope');
    expect(() => readIdx(missing)).toThrow(`Cannot read IDX file ${missing}`);
    expect(() => readIdx(42 as unknown as string)).toThrow('file path or a Uint8Array, but got 42');
  });

  it('names byte input as such in errors', () => {
    expect(() => readIdx(Uint8Array.from([1, 2, 3, 4]))).toThrow('IDX bytes: wrong magic number');
  });
});
