import { describe, expect, it } from 'vitest';
import { describeValue } from './index.js';

describe('describeValue', () => {
  it.each([
    ['text', '"text"'],
    ['x'.repeat(300), `"${'x'.repeat(195)}..."`],
    [2.5, '2.5'],
    [Number.NaN, 'NaN'],
    [undefined, 'undefined'],
    [null, 'null'],
    [true, 'true'],
    [10n, '10'],
    [[3, 3, 3], '[3, 3, 3]'],
    [[-1, 'a', [2]], '[-1, "a", [2]]'],
    [new Array(21).fill(0), `[${new Array(20).fill(0).join(', ')}, ... (21 items)]`],
    [[[[[[1]]]]], '[[[[[...]]]]]'],
    [new Float32Array(7), 'a Float32Array of length 7'],
    [new DataView(new ArrayBuffer(3)), 'a DataView of 3 bytes'],
    [new ArrayBuffer(8), 'an ArrayBuffer of 8 bytes'],
    [new SharedArrayBuffer(4), 'a SharedArrayBuffer of 4 bytes'],
    [() => 1, 'a function'],
    [new Map(), 'a Map'],
    [{ units: 10 }, '{"units":10}'],
  ])('describes %s as %s', (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });

  it('truncates long JSON and survives objects JSON cannot write', () => {
    const long = describeValue({ key: 'v'.repeat(200) });
    expect(long).toHaveLength(120);
    expect(long.endsWith('...')).toBe(true);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe('an object');
  });
});
