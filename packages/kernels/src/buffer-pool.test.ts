// Reusing disposed tensors' arrays must never change values someone can still see.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerNativeBackend, tensorValues, variableValues } from './index.js';

beforeAll(async () => {
  registerNativeBackend();
  await tf.setBackend('native');
});

const ones = (shape: number[]) => tf.tensor(new Float32Array(shape[0]! * shape[1]!).fill(1), shape);

/** Runs enough same-sized native ops to reuse any array the pool holds. */
function churn(shape: number[]): void {
  for (let i = 0; i < 40; i++) tf.tidy(() => tf.add(ones(shape), tf.mul(ones(shape), 5)));
}

describe('output buffer reuse', () => {
  it('reuses the array of a disposed output for the next output of that size', () => {
    const a = tf.relu(ones([64, 32]));
    const first = tensorValues(a);
    a.dispose();
    const b = tf.relu(ones([64, 32]));
    expect(tensorValues(b)).toBe(first);
    b.dispose();
  });

  it('never reuses an array handed out by dataSync', () => {
    const t = tf.mul(ones([64, 32]), 3);
    const values = t.dataSync();
    t.dispose();
    churn([64, 32]);
    expect(values.every((v) => v === 3)).toBe(true);
  });

  it('never reuses an array another tensor views (tfjs-cpu slice returns a subarray)', () => {
    const t = tf.mul(ones([64, 32]), 2);
    const rows = tf.slice(t, [0, 0], [10, 32]);
    t.dispose();
    churn([64, 32]);
    expect(Array.from(rows.dataSync()).every((v) => v === 2)).toBe(true);
    rows.dispose();
  });

  it('keeps a reshaped alias alive (same data id) until both are disposed', () => {
    const t = tf.mul(ones([64, 32]), 4);
    const flat = tf.reshape(t, [2048]);
    t.dispose();
    churn([64, 32]);
    expect(Array.from(flat.dataSync()).every((v) => v === 4)).toBe(true);
    flat.dispose();
  });
});

describe('variableValues', () => {
  it('gives a variable its own memory, so an in-place update leaves the tensor it came from unchanged', () => {
    const initial = tf.mul(ones([64, 32]), 7);
    const variable = tf.variable(initial);
    const memory = variableValues(variable)!;
    memory.fill(1.5);
    expect(variableValues(variable)).toBe(memory); // stable while the variable keeps it
    expect(variable.dataSync()[0]).toBe(1.5);
    expect(initial.dataSync()[0]).toBe(7);
    variable.dispose();
    initial.dispose();
  });

  it('moves the variable to fresh memory once dataSync handed its array out, so what the caller holds stays as read', () => {
    const variable = tf.variable(tf.mul(ones([16, 4]), 2));
    const memory = variableValues(variable)!;
    const read = variable.dataSync();
    const next = variableValues(variable)!;
    expect(next).not.toBe(memory);
    next.fill(3); // an optimizer's in-place step
    expect(read[0]).toBe(2);
    expect(variable.dataSync()[0]).toBe(3);
    variable.dispose();
  });
});
