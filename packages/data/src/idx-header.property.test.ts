import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { idxFile } from '../test-support/hostile-idx.mjs';
import { MAX_DEFLATE_RATIO } from './gzip.js';
import { parseIdxHeader } from './idx-header.js';
import { DataError, readIdx, type IdxArray } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'fnn-idx-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// IDX type codes in decimal: 8 = 0x08 uint8, 9 = 0x09 int8, 11 = 0x0b int16, 12 = 0x0c int32,
// 13 = 0x0d float32, 14 = 0x0e float64.
const TYPE_BYTES: Record<number, number> = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 };
const BIG_ENDIAN: Record<number, (v: DataView, o: number) => number> = {
  8: (v, o) => v.getUint8(o),
  9: (v, o) => v.getInt8(o),
  11: (v, o) => v.getInt16(o),
  12: (v, o) => v.getInt32(o),
  13: (v, o) => v.getFloat32(o),
  14: (v, o) => v.getFloat64(o),
};

/** A valid IDX file: a known type byte, up to 3 small dimensions, random payload bytes of the right length. */
const validIdx = fc
  .record({
    typeByte: fc.constantFrom(...Object.keys(TYPE_BYTES).map(Number)),
    shape: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }),
  })
  .chain(({ typeByte, shape }) => {
    const length = shape.reduce((a, b) => a * b, 1) * TYPE_BYTES[typeByte]!;
    return fc
      .uint8Array({ minLength: length, maxLength: length })
      .map((payload) => ({ typeByte, shape, bytes: idxFile(shape, payload, typeByte) }));
  });

/** Damage a hostile user might do: overwrite bytes (often in the header), cut the file, append to it. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(40), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'append') return Uint8Array.from([...bytes, ...m.extra]);
  if (bytes.length === 0) return bytes;
  if (m.kind === 'cut') return bytes.subarray(0, m.at % bytes.length);
  const out = Uint8Array.from(bytes);
  out[m.at % out.length] = m.value;
  return out;
}

/** Reads `bytes` as readIdx would, returning the result or the DataError; anything else fails the property. */
function outcome(read: () => IdxArray): IdxArray | DataError {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    return err;
  }
}

/** A successful read holds exactly what its header declares, and never more than the input could carry. */
function checkResult(result: IdxArray | DataError, input: Uint8Array, gzipped: boolean): void {
  if (result instanceof DataError) return;
  const elementBytes = result.data.BYTES_PER_ELEMENT;
  expect(result.data.length).toBe(result.shape.reduce((a, b) => a * b, 1));
  expect(result.data.byteLength).toBeLessThanOrEqual(input.length * (gzipped ? MAX_DEFLATE_RATIO : 1));
  expect(result.data.byteLength).toBe(result.data.length * elementBytes);
}

let fileNumber = 0;
function viaFile(bytes: Uint8Array): string {
  const path = join(dir, `case-${fileNumber++}`);
  writeFileSync(path, bytes);
  return path;
}

describe('IDX header parsing on random and mutated input (fast-check)', () => {
  it('parseIdxHeader: any bytes give a DataError or a header consistent with those bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), (head) => {
        let header: ReturnType<typeof parseIdxHeader>;
        try {
          header = parseIdxHeader(head, 'head');
        } catch (err) {
          expect(err).toBeInstanceOf(DataError);
          expect((err as Error).message.startsWith('head: ')).toBe(true);
          return;
        }
        expect(header.headerBytes).toBe(4 + 4 * head[3]!);
        expect(header.headerBytes).toBeLessThanOrEqual(head.length);
        expect(header.shape).toHaveLength(head[3]!);
        const product = header.shape.reduce((a, b) => a * BigInt(b), 1n);
        expect(header.payloadBytes).toBe(product * BigInt(TYPE_BYTES[head[2]!]!));
      }),
      { numRuns: 2000 },
    );
  });

  it('readIdx: valid files round-trip; random bytes end in a DataError or a result no larger than the input', () => {
    fc.assert(
      fc.property(validIdx, ({ typeByte, shape, bytes }) => {
        const result = readIdx(bytes);
        expect(result.shape).toEqual(shape);
        // Reference: the spec's big-endian values, read one by one with DataView.
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const size = TYPE_BYTES[typeByte]!;
        const read = BIG_ENDIAN[typeByte]!;
        const start = 4 + 4 * shape.length;
        const expected = Array.from({ length: (bytes.length - start) / size }, (_, i) => read(view, start + i * size));
        expect(Array.from(result.data)).toEqual(expected);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, gzip) => {
        const input = gzip ? gzipSync(bytes) : bytes;
        checkResult(
          outcome(() => readIdx(input)),
          input,
          gzip,
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('readIdx: mutated files, raw or gzipped (mutated before or after compression), never escape as another error', () => {
    fc.assert(
      fc.property(
        validIdx,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('raw', 'gzip-then-mutate', 'mutate-then-gzip'),
        ({ bytes }, mutations, mode) => {
          let input = mode === 'gzip-then-mutate' ? gzipSync(bytes) : bytes;
          for (const m of mutations) input = mutate(input, m);
          if (mode === 'mutate-then-gzip') input = gzipSync(input);
          const result = outcome(() => readIdx(input));
          checkResult(result, input, input[0] === 0x1f && input[1] === 0x8b);
          if (result instanceof DataError) expect(result.message.startsWith('IDX bytes: ')).toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('readIdx: a file and its bytes give the same result or the same error (named by the path)', () => {
    fc.assert(
      fc.property(validIdx, fc.array(mutation, { maxLength: 2 }), fc.boolean(), ({ bytes }, mutations, gzip) => {
        let input = gzip ? gzipSync(bytes) : bytes;
        for (const m of mutations) input = mutate(input, m);
        const path = viaFile(input);
        const fromBytes = outcome(() => readIdx(input));
        const fromFile = outcome(() => readIdx(path, { shared: true }));
        if (fromBytes instanceof DataError) {
          expect(fromFile).toBeInstanceOf(DataError);
          expect((fromFile as DataError).message).toBe(fromBytes.message.replace('IDX bytes', path));
        } else {
          expect(fromFile).not.toBeInstanceOf(DataError);
          const file = fromFile as IdxArray;
          expect([file.dtype, file.shape, Array.from(file.data)]).toEqual([
            fromBytes.dtype,
            fromBytes.shape,
            Array.from(fromBytes.data),
          ]);
          expect(file.data.buffer).toBeInstanceOf(SharedArrayBuffer);
        }
      }),
      { numRuns: 300 },
    );
  });
});
