import { describe, expect, it } from 'vitest';
import { churnDataset, DataError, DEMOGRAPHIC_FEATURES, PROGRAMME_CATEGORIES } from './index.js';

describe('churnDataset', () => {
  it('has the lesson shapes and is deterministic per seed', () => {
    const a = churnDataset({ n: 500, seed: 7 });
    expect(a.programmes.length).toBe(500 * 10);
    expect(a.demographics.length).toBe(500 * 8);
    expect(a.labels.length).toBe(500);
    expect(a.shapes).toEqual({ programmes: [500, 10], demographics: [500, 8], labels: [500, 1] });
    expect(PROGRAMME_CATEGORIES).toHaveLength(10);
    expect(DEMOGRAPHIC_FEATURES).toHaveLength(8);
    const b = churnDataset({ n: 500, seed: 7 });
    expect(b.programmes).toEqual(a.programmes);
    expect(b.demographics).toEqual(a.demographics);
    expect(b.labels).toEqual(a.labels);
    const c = churnDataset({ n: 500, seed: 8 });
    expect(c.programmes).not.toEqual(a.programmes);
    for (const v of a.programmes) expect(v).toBeGreaterThanOrEqual(0); // hours cannot be negative
    for (const l of a.labels) expect([0, 1]).toContain(l);
  });

  it('has about balanced classes and a Bayes rate of at least 88 %', () => {
    const data = churnDataset({ n: 20000, seed: 3 });
    const cancels = data.labels.reduce((s, l) => s + l, 0) / data.n;
    expect(cancels).toBeGreaterThan(0.45);
    expect(cancels).toBeLessThan(0.55);
    expect(data.bayesAccuracy()).toBeGreaterThanOrEqual(0.88);
    // The labels really follow cancelProbability: the Bayes classifier's empirical accuracy agrees.
    let hits = 0;
    for (let i = 0; i < data.n; i++) if ((data.cancelProbability[i]! > 0.5 ? 1 : 0) === data.labels[i]) hits++;
    expect(Math.abs(hits / data.n - data.bayesAccuracy())).toBeLessThan(0.01);
  });

  // Learnability with the lesson's churn model on @fnn/core: test/churn-learnable.test.ts.

  it('toTensors passes row-major data and [n, width] shapes to tf.tensor2d', () => {
    const data = churnDataset({ n: 4, seed: 1 });
    const calls: { values: Float32Array; shape: [number, number] }[] = [];
    const fakeTf = {
      tensor2d: (values: Float32Array, shape: [number, number]) => {
        calls.push({ values, shape });
        return shape;
      },
    };
    const t = data.toTensors(fakeTf);
    expect(t).toEqual({ programmes: [4, 10], demographics: [4, 8], labels: [4, 1] });
    expect(calls[0]!.values).toBe(data.programmes);
  });

  it('rejects bad options, naming them', () => {
    expect(() => churnDataset({ n: -1 })).toThrow(DataError);
    expect(() => churnDataset({ n: 2.5 })).toThrow(/n to be an integer >= 0, but got 2.5/);
    expect(() => churnDataset({ seed: 0.5 })).toThrow(/seed/);
  });
});
