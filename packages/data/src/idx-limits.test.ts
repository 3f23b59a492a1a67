import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { gzipBomb, idxFile, writeHostileIdxFiles } from '../test-support/hostile-idx.mjs';
import { DataError, readIdx } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'fnn-idx-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A 64 MiB bomb keeps this file fast; test/hostile runs the 1 GiB one under a memory cap.
const files = writeHostileIdxFiles(dir, { bombMiB: 64 });

/** The message of the DataError `read` throws (failing if it throws anything else or nothing). */
function refusal(read: () => unknown): string {
  try {
    read();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return (err as Error).message;
  }
  throw new Error('expected a DataError, but the read succeeded');
}

describe('readIdx checks what a header declares before allocating the payload', () => {
  it('refuses a header declaring 2^31 items against the real file size, raw or gzipped', () => {
    expect(refusal(() => readIdx(files.declares2e31))).toBe(
      `${files.declares2e31}: payload is 10 bytes, expected 2147483648 (sizes 2147483648 = 2147483648 elements of uint8, 1 byte each); the file is truncated.`,
    );
    const gzSize = gzipSync(idxFile([2 ** 31, 28, 28], new Uint8Array(10))).length;
    expect(refusal(() => readIdx(files.images2e31Gz))).toBe(
      `${files.images2e31Gz}: the header declares 1683627180048 bytes (sizes 2147483648 × 28 × 28 = 1683627180032 elements of uint8, 1 byte each, ` +
        `after a 16-byte header), but ${gzSize} bytes of gzip data inflate to at most ${gzSize * 1032}; the file is truncated or corrupt.`,
    );
  });

  it('refuses a consistent file larger than one array can hold, before allocating (a sparse 5 GiB file)', () => {
    const path = join(dir, 'five-gib');
    writeFileSync(path, idxFile([5, 2 ** 30], new Uint8Array(0)));
    truncateSync(path, 12 + 5 * 2 ** 30); // sparse: no disk space used
    expect(refusal(() => readIdx(path))).toBe(
      `${path}: the file (${12 + 5 * 2 ** 30} bytes): more than the 4294967296 bytes one array can hold in this Node.js; split the data into smaller files.`,
    );
    rmSync(path);
  });

  it('stops inflating a gzip bomb at the size its header declares', () => {
    expect(refusal(() => readIdx(files.bomb))).toBe(
      `${files.bomb}: gzip data inflates to more than the 18 bytes its header declares (sizes 10 = 10 elements of uint8, 1 byte each); ` +
        'expected exactly 18, so the file is corrupt or not what its header says.',
    );
    // The same bytes given directly, and a bomb whose header declares more than a gzip file can hold.
    expect(refusal(() => readIdx(gzipBomb(32)))).toContain('IDX bytes: gzip data inflates to more than the 18 bytes');
    const declares = gzipSync(idxFile([50_000_000], new Uint8Array(0)));
    expect(refusal(() => readIdx(declares))).toContain(
      `IDX bytes: the header declares 50000008 bytes (sizes 50000000 = 50000000 elements of uint8, 1 byte each, after a 8-byte header), but ${declares.length} bytes`,
    );
  });

  it('reads a gzip file whose header is in a later member or after a long gzip file name', () => {
    const labels = Uint8Array.from([3, 1, 4, 1, 5]);
    const file = idxFile([5], labels);
    // Two members split inside the header, the first with a 10,000-byte FNAME field.
    const first = gzipSync(file.subarray(0, 3));
    const named = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]),
      Buffer.alloc(10_000, 0x61),
      Buffer.from([0]),
      first.subarray(10),
    ]);
    const result = readIdx(Buffer.concat([named, gzipSync(file.subarray(3))]));
    expect(result.shape).toEqual([5]);
    expect(Array.from(result.data)).toEqual([3, 1, 4, 1, 5]);
  });

  it('refuses what is not a regular file without reading it: device links, pipes, folders', () => {
    expect(refusal(() => readIdx(files.deviceLink))).toBe(
      `${files.deviceLink}: expected a regular IDX file, but it is a character device (the path resolves to /dev/zero).`,
    );
    expect(refusal(() => readIdx(files.fifo))).toBe(
      `${files.fifo}: expected a regular IDX file, but it is a named pipe.`,
    );
    expect(refusal(() => readIdx(dir))).toBe(`${dir}: expected a regular IDX file, but it is a folder.`);
    const dangling = join(dir, 'dangling');
    symlinkSync(join(dir, 'nowhere'), dangling);
    expect(refusal(() => readIdx(dangling))).toMatch(new RegExp(`^Cannot read IDX file ${dangling}: ENOENT`));
  });

  it('follows a symlink to a regular file', () => {
    const target = join(dir, 'target');
    writeFileSync(target, idxFile([2], Uint8Array.from([7, 9])));
    const link = join(dir, 'link-to-target');
    symlinkSync(target, link);
    expect(Array.from(readIdx(link).data)).toEqual([7, 9]);
  });

  it('lets the caller refuse a header before the payload is read (checkHeader)', () => {
    const seen: unknown[] = [];
    const refuse = (header: { dtype: string; shape: number[] }) => {
      seen.push(header);
      throw new DataError(`wanted 3 labels, got [${header.shape}]`);
    };
    // Truncated payloads: the header check runs first, so its error is the one reported.
    const truncated = idxFile([4], Uint8Array.from([1]));
    expect(refusal(() => readIdx(truncated, { checkHeader: refuse }))).toBe('wanted 3 labels, got [4]');
    expect(refusal(() => readIdx(files.bomb, { checkHeader: refuse }))).toBe('wanted 3 labels, got [10]');
    expect(seen).toEqual([
      { dtype: 'uint8', shape: [4] },
      { dtype: 'uint8', shape: [10] },
    ]);
    const accepted = readIdx(idxFile([2], Uint8Array.from([5, 6]), 0x09), { checkHeader: (h) => seen.push(h) });
    expect(Array.from(accepted.data)).toEqual([5, 6]);
    expect(seen[2]).toEqual({ dtype: 'int8', shape: [2] });
    expect(refusal(() => readIdx(truncated, null as never))).toBe(
      "Expected readIdx's options to be an object, but got null.",
    );
    expect(refusal(() => readIdx(truncated, { checkHeader: 'uint8' as never }))).toBe(
      'Expected readIdx\'s checkHeader to be a function, but got "uint8".',
    );
  });
});
