import { describe, expect, it } from 'vitest';
import { epochSeed, isIntegerInRange, mixSeeds, mulberry32, seededPermutation } from './index.js';

/** mixSeeds as @fnn/core wrote it before it moved here (splitmix-style, written out). */
function referenceMixSeeds(a: number, b: number): number {
  let h = (Math.imul(a >>> 0, 0x9e3779b1) ^ (b >>> 0)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

describe('seeds', () => {
  it('mulberry32 matches the reference C implementation', () => {
    const next = mulberry32(0);
    // Tommy Ettinger's mulberry32 in C (uint32_t arithmetic), state 0, first three outputs.
    expect([next(), next(), next()]).toEqual([1144304738, 1416247, 958946056]);
  });

  it('mixSeeds equals the splitmix-style finaliser it replaces', () => {
    for (const [a, b] of [
      [0, 0],
      [1, 2],
      [2, 1],
      [0xffffffff, 7],
      [123456789, 987654321],
    ] as const) {
      expect(mixSeeds(a, b)).toBe(referenceMixSeeds(a, b));
    }
    expect(mixSeeds(1, 2)).not.toBe(mixSeeds(2, 1));
  });

  it('epochSeed keeps seeds above 2^32 and neighbouring epochs apart', () => {
    expect(epochSeed(2 ** 32 + 5, 0)).not.toBe(epochSeed(5, 0));
    expect(epochSeed(1, 2)).not.toBe(epochSeed(2, 1));
  });

  it('seededPermutation is a fixed permutation per (seed, epoch)', () => {
    // The order @fnn/core's fit and @fnn/data's permutation have used since the first release.
    expect(Array.from(seededPermutation(10, 7, 0))).toEqual([7, 8, 0, 3, 1, 2, 4, 6, 5, 9]);
    const order = seededPermutation(1000, 42, 3);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(seededPermutation(1000, 42, 4)).not.toEqual(order);
    expect(seededPermutation(0, 1, 0)).toHaveLength(0);
  });

  it('isIntegerInRange accepts integers within the bounds only', () => {
    expect(isIntegerInRange(3, 1)).toBe(true);
    expect(isIntegerInRange(0, 1)).toBe(false);
    expect(isIntegerInRange(2.5, 0)).toBe(false);
    expect(isIntegerInRange('3', 0)).toBe(false);
    expect(isIntegerInRange(2 ** 32, 0, 2 ** 32 - 1)).toBe(false);
  });
});
