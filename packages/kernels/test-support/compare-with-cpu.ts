// The kernel tests' reference check: the same op on tfjs-cpu and on native, from the same inputs,
// within 1e-5 of the output's scale, and bit-identical when native runs it twice.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export type Input = { shape: number[]; values: Float32Array | Uint8Array; dtype?: 'float32' | 'bool' };
export type Op = (...xs: tf.Tensor[]) => tf.Tensor;

let seed = 12345;
function random(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
}

/** Uniform values in [low, high) from a fixed stream (the same inputs on every run). */
export function rand(shape: number[], low = -1, high = 1): Input {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: size }, () => low + (high - low) * random()) };
}

export function bools(shape: number[]): Input {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Uint8Array.from({ length: size }, () => (random() < 0.5 ? 1 : 0)), dtype: 'bool' };
}

export function runOn(
  backend: string,
  op: Op,
  inputs: Input[],
): { values: Float32Array | Int32Array | Uint8Array; shape: number[]; dtype: string } {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((x) => tf.tensor(x.values.slice(), x.shape, x.dtype ?? 'float32'));
    const y = op(...xs);
    return { values: y.dataSync().slice() as Float32Array, shape: y.shape, dtype: y.dtype };
  });
}

/**
 * |native - cpu| <= 1e-5 * max(|cpu|, mean |cpu|) (relative, with the finite outputs' mean as
 * floor); NaN and infinities exactly where tfjs-cpu has them.
 */
export function expectClose(op: Op, inputs: Input[], tolerance = 1e-5): void {
  const want = runOn('cpu', op, inputs);
  const got = runOn('native', op, inputs);
  const again = runOn('native', op, inputs);
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  expect(Buffer.from(again.values.buffer).equals(Buffer.from(got.values.buffer))).toBe(true);
  let scale = 0;
  for (const v of want.values) if (Number.isFinite(v)) scale += Math.abs(v);
  scale = want.values.length ? scale / want.values.length : 0;
  for (let i = 0; i < want.values.length; i++) {
    const w = want.values[i]!;
    const g = got.values[i]!;
    if (Number.isNaN(w)) {
      expect(g).toBeNaN();
      continue;
    }
    if (g === w) continue; // equal infinities included
    const allowed = tolerance * Math.max(Math.abs(w), scale, 1e-30);
    if (!(Math.abs(g - w) <= allowed)) {
      throw new Error(`element ${i}: native ${g}, cpu ${w} (allowed difference ${allowed})`);
    }
  }
}

/** An input with some values replaced (NaN, infinities) at the given flat indices. */
export function withValues(input: Input, replacements: [number, number][]): Input {
  const values = Float32Array.from(input.values);
  for (const [i, v] of replacements) values[i] = v;
  return { shape: input.shape, values };
}
