import { describe, expect, it } from 'vitest';
import { DataError, oneHot } from './index.js';

describe('oneHot', () => {
  it('sets exactly one 1 per row, at the label', () => {
    expect(Array.from(oneHot([2, 0, 1], 3))).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    const labels = Uint8Array.from({ length: 100 }, (_, i) => (i * 7) % 10);
    const encoded = oneHot(labels, 10);
    expect(encoded).toBeInstanceOf(Float32Array);
    expect(encoded.length).toBe(1000);
    for (let i = 0; i < 100; i++) {
      const row = Array.from(encoded.subarray(i * 10, i * 10 + 10));
      expect(row.reduce((a, b) => a + b)).toBe(1);
      expect(row.indexOf(1)).toBe(labels[i]);
    }
    expect(oneHot([], 4).length).toBe(0);
  });

  it('rejects labels outside [0, numClasses) and bad numClasses, naming the index and value', () => {
    expect(() => oneHot([0, 3], 3)).toThrow(DataError);
    expect(() => oneHot([0, 3], 3)).toThrow('Expected labels[1] to be an integer class index in [0, 2], but got 3.');
    expect(() => oneHot([0.5], 3)).toThrow('labels[0]');
    expect(() => oneHot([-1], 3)).toThrow('but got -1');
    expect(() => oneHot([0], 0)).toThrow('Expected numClasses to be an integer >= 1, but got 0.');
  });
});
