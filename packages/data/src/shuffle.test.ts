import { describe, expect, it } from 'vitest';
import { DataError, mixSeed, mulberry32, permutation } from './index.js';

const isPermutation = (p: Uint32Array, n: number) => p.length === n && new Set(p).size === n && p.every((v) => v < n);

describe('permutation / shuffle', () => {
  it('mulberry32 reproduces its reference sequence', () => {
    // Outputs of the reference C implementation (Tommy Ettinger's mulberry32, uint32 arithmetic),
    // compiled with gcc and run for these seeds.
    const next = mulberry32(0);
    expect([next(), next(), next()]).toEqual([1144304738, 1416247, 958946056]);
    const other = mulberry32(123456789);
    expect([other(), other(), other()]).toEqual([1107202814, 4169434471, 3372958138]);
  });

  it('is deterministic per (seed, epoch), a permutation, and differs across epochs and seeds', () => {
    for (const n of [0, 1, 2, 17, 1000]) {
      const a = permutation(n, 42, 3);
      expect(isPermutation(a, n)).toBe(true);
      expect(permutation(n, 42, 3)).toEqual(a);
    }
    const base = permutation(1000, 42, 0);
    expect(permutation(1000, 42, 1)).not.toEqual(base);
    expect(permutation(1000, 43, 0)).not.toEqual(base);
    // seed + epoch is not what decides: (1, 2) and (2, 1) give different orders.
    expect(permutation(1000, 1, 2)).not.toEqual(permutation(1000, 2, 1));
    expect(mixSeed(2 ** 32 + 5, 0)).not.toBe(mixSeed(5, 0));
  });

  it('places each element roughly uniformly (chi-square over 4000 shuffles of 8)', () => {
    const counts = Array.from({ length: 8 }, () => new Array<number>(8).fill(0));
    for (let epoch = 0; epoch < 4000; epoch++) {
      const p = permutation(8, 9, epoch);
      p.forEach((v, pos) => {
        counts[v]![pos]!++;
      });
    }
    const expected = 4000 / 8;
    let chi2 = 0;
    for (const row of counts) for (const c of row) chi2 += (c - expected) ** 2 / expected;
    // 49 degrees of freedom: the 99.9 % quantile is 85.4.
    expect(chi2).toBeLessThan(85.4);
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => permutation(10, 1.5)).toThrow(DataError);
    expect(() => permutation(10, 1, -1)).toThrow('Expected epoch to be an integer >= 0, but got -1.');
    expect(() => permutation(-1, 1)).toThrow(/Expected n to be an integer in \[0, 4294967295\], but got -1/);
  });
});
