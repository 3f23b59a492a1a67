import { describe, expect, it } from 'vitest';
import { transposeInto } from './transpose.js';

describe('transposeInto', () => {
  it('writes the transpose for shapes with and without ragged 4-wide and 32-wide edges', () => {
    for (const [rows, cols] of [
      [1, 1],
      [1, 7],
      [7, 1],
      [4, 4],
      [5, 9],
      [32, 32],
      [33, 66],
      [250, 10],
      [64, 785],
    ] as const) {
      const src = Float32Array.from({ length: rows * cols }, (_, i) => i + 0.5);
      const dst = new Float32Array(rows * cols).fill(Number.NaN);
      transposeInto(src, dst, rows, cols);
      const want = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) want[c * rows + r] = src[r * cols + c]!;
      expect(dst, `${rows}x${cols}`).toEqual(want);
    }
  });
});
