import { describe, expect, it } from 'vitest';
import { ChurnNet } from '../test-support/churn-net.js';
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

  it('is learnable by the lesson churn model (plain-JS stand-in for @fnn/core): >= 85 % held out', () => {
    const train = churnDataset({ n: 4000, seed: 1 });
    const test = churnDataset({ n: 1000, seed: 2 });
    for (const initSeed of [1, 2]) {
      const net = new ChurnNet(initSeed);
      expect(net.paramCount).toBe(890); // the lesson's model.summary() total
      net.fit(train.programmes, train.demographics, train.labels, { epochs: 10, batchSize: 32, seed: initSeed });
      expect(net.accuracy(test.programmes, test.demographics, test.labels)).toBeGreaterThanOrEqual(0.85);
    }
  });

  it('the stand-in net has correct gradients (central finite differences, rel. tol. 1e-5)', () => {
    const data = churnDataset({ n: 16, seed: 5 });
    const net = new ChurnNet(9);
    const p = Float64Array.from(data.programmes);
    const d = Float64Array.from(data.demographics);
    const y = Float64Array.from(data.labels);
    net.lossAndGradients(p, d, y, 16);
    const checks = [net.branch1[0]!, net.branch2[1]!, net.head[0]!, net.head[2]!];
    for (const layer of checks) {
      const analytic = [layer.gW[3]!, layer.gb[0]!];
      const numeric = [layer.W, layer.b].map((param, which) => {
        const k = which === 0 ? 3 : 0;
        const h = 1e-6;
        const saved = param[k]!;
        param[k] = saved + h;
        const up = net.lossAndGradients(p, d, y, 16);
        param[k] = saved - h;
        const down = net.lossAndGradients(p, d, y, 16);
        param[k] = saved;
        return (up - down) / (2 * h);
      });
      net.lossAndGradients(p, d, y, 16);
      for (let i = 0; i < 2; i++)
        expect(Math.abs(analytic[i]! - numeric[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(numeric[i]!)));
    }
  });

  it('toTensors passes row-major data and [n, width] shapes to tf.tensor2d', () => {
    const data = churnDataset({ n: 4, seed: 1 });
    const calls: { values: Float32Array; shape: [number, number] }[] = [];
    const fakeTf = {
      tensor2d: (values: Float32Array, shape: [number, number]) => (calls.push({ values, shape }), shape),
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
