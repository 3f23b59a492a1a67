import { tf } from '@fnn/core';

/**
 * How a model's several inputs (or outputs) share one Dataset row: each sample's values for
 * input 0, then input 1, ... side by side, so that one gather fetches all of a sample and the
 * workers split the rows back into one tensor per input. One input is the plain case: the row
 * is the input.
 */
export interface SampleLayout {
  /** Per-sample shape of each input, in `model.inputs` order. */
  inputs: number[][];
  /** Per-sample shape of each target, in `model.outputs` order. */
  outputs: number[][];
}

/** Values per packed row: the sizes of all the parts' sample shapes together. */
export function rowWidth(shapes: number[][]): number {
  return shapes.reduce((sum, shape) => sum + tf.util.sizeFromShape(shape), 0);
}

/** `n` rows of `parts` side by side: row r is part 0's row r, then part 1's, ... */
export function packColumns(parts: Float32Array[], shapes: number[][], n: number): Float32Array {
  const sizes = shapes.map(tf.util.sizeFromShape);
  const width = rowWidth(shapes);
  const out = new Float32Array(n * width);
  for (let r = 0; r < n; r++) {
    let at = r * width;
    parts.forEach((part, i) => {
      const size = sizes[i]!;
      out.set(part.subarray(r * size, (r + 1) * size), at);
      at += size;
    });
  }
  return out;
}

/**
 * Splits `rows` packed rows into one array per part: the source itself when there is one part,
 * else copies into `scratch` (one buffer per part, reused across steps).
 */
export function splitColumns(
  source: Float32Array,
  rows: number,
  shapes: number[][],
  scratch: Float32Array[],
): Float32Array[] {
  const sizes = shapes.map(tf.util.sizeFromShape);
  const width = rowWidth(shapes);
  if (sizes.length === 1) return [source.subarray(0, rows * width)];
  let offset = 0;
  return sizes.map((size, i) => {
    const out = scratch[i]!.subarray(0, rows * size);
    for (let r = 0; r < rows; r++) out.set(source.subarray(r * width + offset, r * width + offset + size), r * size);
    offset += size;
    return out;
  });
}
