import { describe, expect, it } from 'vitest';
import { validateRunConfig } from '../run-config.js';
import { drawFrom, sampleTrials, unitStream } from './sample.js';
import { parseSpace } from './space.js';

/**
 * Kolmogorov–Smirnov statistic of a sample against the uniform distribution on [low, high]:
 * the largest gap between the empirical CDF and the straight line.
 */
function ksUniform(sample: number[], low: number, high: number): number {
  const sorted = [...sample].sort((a, b) => a - b);
  const n = sorted.length;
  let d = 0;
  sorted.forEach((x, i) => {
    const cdf = (x - low) / (high - low);
    d = Math.max(d, (i + 1) / n - cdf, cdf - i / n);
  });
  return d;
}

const N = 10_000;
// The KS critical value at α = 0.001 is 1.949/√n: a correct sampler exceeds it once in a
// thousand seeds, so it cannot pass by accident either — the negative control shows how far
// off a wrong one lands (D ≈ 0.6 here).
const KS_CRITICAL = 1.949 / Math.sqrt(N);

const SPACE = parseSpace({
  units: { int: [16, 64] },
  depth: [1, 2, 3],
  dropout: { uniform: [0, 0.5] },
  learningRate: { loguniform: [1e-4, 1e-1] },
  activation: { choice: ['relu', 'tanh'] },
  batchNorm: [true, false],
  batchSize: 64,
});

describe('sampleTrials', () => {
  it('draws the same trials for the same seed, other trials for another, every one a valid run', () => {
    const a = sampleTrials(SPACE, 20, 7, 1);
    expect(sampleTrials(SPACE, 20, 7, 1)).toEqual(a);
    const b = sampleTrials(SPACE, 20, 8, 1);
    expect(b.map((r) => r.learningRate)).not.toEqual(a.map((r) => r.learningRate));
    // More trials extend the list: the first 20 stay as they were.
    expect(sampleTrials(SPACE, 30, 7, 1).slice(0, 20)).toEqual(a);
    expect(a.map((r) => r.id).slice(0, 3)).toEqual(['t01', 't02', 't03']);
    for (const r of a) {
      expect(validateRunConfig(r)).toBe(r);
      expect(r.hidden.every((u) => u === r.hidden[0] && u >= 16 && u <= 64 && Number.isInteger(u))).toBe(true);
      expect([1, 2, 3]).toContain(r.hidden.length);
      expect(r.dropout).toBeGreaterThanOrEqual(0);
      expect(r.dropout).toBeLessThan(0.5);
      expect(r.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(r.learningRate).toBeLessThan(1e-1);
      expect(r).toMatchObject({ batchSize: 64, seed: 1, optimizer: 'adam', epochs: 5 });
    }
  });

  it("keeps a field's draws when another field's domain changes", () => {
    const narrower = parseSpace({
      ...{ units: { int: [16, 64] }, depth: [1, 2, 3] },
      learningRate: { loguniform: [1e-4, 1e-1] },
    });
    const wider = parseSpace({ units: { int: [8, 256] }, depth: [4], learningRate: { loguniform: [1e-4, 1e-1] } });
    expect(sampleTrials(wider, 10, 3, 1).map((r) => r.learningRate)).toEqual(
      sampleTrials(narrower, 10, 3, 1).map((r) => r.learningRate),
    );
  });

  it('hits both ends of an int range and every choice, about equally often', () => {
    const counts = new Map<unknown, number>();
    const draw = unitStream(11);
    for (let i = 0; i < 6000; i++) {
      const v = drawFrom({ kind: 'int', low: 1, high: 3 }, draw());
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([1, 2, 3]);
    // Binomial(6000, 1/3): sd ≈ 36.5, so ±200 is more than 5 sd.
    for (const n of counts.values()) expect(Math.abs(n - 2000)).toBeLessThan(200);
  });

  it('draws loguniform values whose logarithm is uniform (KS test on 10,000 draws)', () => {
    const low = 1e-4;
    const high = 1e-1;
    const draw = unitStream(2026);
    const values = Array.from({ length: N }, () => drawFrom({ kind: 'loguniform', low, high }, draw()) as number);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(low);
    expect(Math.max(...values)).toBeLessThan(high);
    const d = ksUniform(values.map(Math.log), Math.log(low), Math.log(high));
    expect(d).toBeLessThan(KS_CRITICAL);
    // The values themselves are far from uniform on [low, high]: most are small.
    expect(ksUniform(values, low, high)).toBeGreaterThan(0.5);
  });

  it('negative control: uniform draws fail the same test', () => {
    const low = 1e-4;
    const high = 1e-1;
    const draw = unitStream(2026);
    const values = Array.from({ length: N }, () => drawFrom({ kind: 'uniform', low, high }, draw()) as number);
    expect(ksUniform(values, low, high)).toBeLessThan(KS_CRITICAL);
    const d = ksUniform(values.map(Math.log), Math.log(low), Math.log(high));
    expect(d).toBeGreaterThan(10 * KS_CRITICAL);
  });
});
