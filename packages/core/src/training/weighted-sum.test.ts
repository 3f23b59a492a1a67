import { describe, expect, it } from 'vitest';
import { weightedSum } from './weighted-sum.js';

describe('weightedSum', () => {
  it('adds weighted parts in float64 and rounds once (hand-computed)', () => {
    const out = new Float32Array(3);
    weightedSum(out, [Float32Array.from([1, 2, 3]), Float32Array.from([3, -2, 0.5])], [0.25, 0.75]);
    expect(Array.from(out)).toEqual([2.5, -1, 0.75 + 0.375]);
    // 1/3 of three equal values is the value again: rounding happens once, at the end.
    const v = Math.fround(0.1);
    const same = Float32Array.from([v, v, v]);
    weightedSum(out, [same, same, same], [1 / 3, 1 / 3, 1 / 3]);
    expect(Array.from(out)).toEqual([v, v, v]);
    // float32 would lose the small part: 1 + 2^-30 - 1 = 2^-30 only in float64.
    weightedSum(
      out.subarray(0, 1),
      [Float32Array.from([1 + 2 ** -20]), Float32Array.from([-1]), Float32Array.from([2 ** -30])],
      [1, 1, 1],
    );
    expect(out[0]).toBe(Math.fround(2 ** -20 + 2 ** -30));
  });

  it('names the part or weight that does not fit', () => {
    const out = new Float32Array(2);
    expect(() => weightedSum(out, [new Float32Array(2)], [1, 2])).toThrow(
      'weightedSum: expected one weight per part (1), but got 2.',
    );
    expect(() => weightedSum(out, [new Float32Array(2), new Float32Array(3)], [1, 2])).toThrow(
      'weightedSum: expected parts[1] to have 2 values (as out), but got 3.',
    );
    expect(() => weightedSum(out, [new Float32Array(2)], [NaN])).toThrow(
      'weightedSum: expected weights[0] to be a finite number, but got NaN.',
    );
  });
});
