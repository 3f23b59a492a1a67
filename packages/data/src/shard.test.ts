import { describe, expect, it } from 'vitest';
import { DataError, shard, shardRanges } from './index.js';

describe('shard', () => {
  it('splits into contiguous near-equal views covering the batch exactly (all sizes 0..300, workers 1..20)', () => {
    const failures: string[] = [];
    for (let n = 0; n <= 300; n++) {
      const batch = Uint32Array.from({ length: n }, (_, i) => (i * 7919) % 100003);
      for (let workers = 1; workers <= 20; workers++) {
        const parts = shard(batch, workers);
        const sizes = parts.map((p) => p.length);
        const fail = (why: string) => failures.push(`n=${n} workers=${workers}: ${why} (sizes ${sizes})`);
        if (parts.length !== workers) fail('wrong number of parts');
        if (Math.max(...sizes) - Math.min(...sizes) > 1) fail('sizes differ by more than one');
        if (sizes.some((s, w) => w > 0 && s > sizes[w - 1]!)) fail('a later part is larger');
        // Contiguous views in order: each starts where the previous ended, so no overlap and no gap.
        let offset = 0;
        for (const p of parts) {
          if (p.buffer !== batch.buffer) fail('a part is a copy');
          if (p.byteOffset !== batch.byteOffset + offset * 4) fail('parts are not contiguous');
          offset += p.length;
        }
        if (offset !== n) fail('parts do not cover the batch');
      }
    }
    expect(failures).toEqual([]);
  });

  it('gives the documented split for 10 over 4 and empty parts for a small batch', () => {
    expect(shardRanges(10, 4)).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 6 },
      { start: 6, end: 8 },
      { start: 8, end: 10 },
    ]);
    expect(shard(Uint32Array.from([5, 6]), 4).map((p) => Array.from(p))).toEqual([[5], [6], [], []]);
  });

  it('works on any typed array with subarray', () => {
    const parts = shard(Float32Array.from([1, 2, 3]), 2);
    expect(parts[0]).toBeInstanceOf(Float32Array);
    expect(parts.map((p) => Array.from(p))).toEqual([[1, 2], [3]]);
  });

  it('rejects workers that are not positive integers and non-typed-array batches', () => {
    const batch = new Uint32Array(4);
    expect(() => shard(batch, 0)).toThrow(DataError);
    expect(() => shard(batch, 0)).toThrow('Expected workers to be an integer >= 1, but got 0.');
    expect(() => shard(batch, 1.5)).toThrow('but got 1.5');
    expect(() => shard(batch, NaN)).toThrow('but got NaN');
    expect(() => shard([1, 2] as unknown as Uint32Array, 2)).toThrow('Expected batchIndices to be a typed array');
  });
});
