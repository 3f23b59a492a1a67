import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { defaultRuns } from './run-config.js';
import { countParams, estimateCost, longestFirst, planSlots } from './schedule.js';
import { backendSpeed } from './speed.js';

describe('countParams', () => {
  it('matches Keras’s counts for every default run (lesson.md)', () => {
    const params = Object.fromEntries(defaultRuns().map((r) => [r.id, countParams(r)]));
    expect(params).toEqual({
      wide: 198_760,
      deep: 49_960,
      'deep-dropout': 49_960,
      'deep-dropout-50': 49_960,
      'wide-deep': 708_510,
      'wide-deep-bn': 714_550,
      'functional-wide': 198_760,
    });
  });
});

describe('longestFirst', () => {
  it('orders the default sweep by estimated cost, the 25-epoch wide-deep models first', () => {
    const runs = defaultRuns().map((config) => ({ config, cost: estimateCost(config, 55_000) }));
    const order = longestFirst(runs).map((r) => r.config.id);
    expect(order.slice(0, 2)).toEqual(['wide-deep-bn', 'wide-deep']);
    expect(order[2]).toBe('deep-dropout-50');
    // The 5-epoch small models come last; equal costs fall back to id order.
    expect(order.slice(-2)).toEqual(['deep', 'deep-dropout']);
    const costs = longestFirst(runs).map((r) => r.cost);
    expect([...costs].sort((a, b) => b - a)).toEqual(costs);
  });

  it('scales cost linearly with epochs and with the training set size', () => {
    const [wide] = defaultRuns();
    expect(estimateCost({ ...wide!, epochs: 10 }, 55_000)).toBeCloseTo(2 * estimateCost(wide!, 55_000), 9);
    expect(estimateCost(wide!, 128 * 200)).toBeCloseTo(2 * estimateCost(wide!, 128 * 100), 9);
  });
});

describe('estimateCost per backend (--dry-run)', () => {
  const total = (backend: string) =>
    defaultRuns().reduce((sum, c) => sum + estimateCost(c, 55_000, { speed: backendSpeed(backend) }), 0);

  it('puts the default sweep on native near its measured single-core training time', () => {
    // README "Figures": one run after another with model.fit on native took 126.9 s for the
    // 125 epochs, ~10 % of it validation and test evaluation.
    expect(total('native')).toBeGreaterThan(100);
    expect(total('native')).toBeLessThan(130);
  });

  it('estimates wasm slower than native and cpu slowest, as measured side by side', () => {
    expect(total('wasm') / total('native')).toBeGreaterThan(2.7);
    expect(total('wasm') / total('native')).toBeLessThan(4.7);
    expect(total('cpu')).toBeGreaterThan(10 * total('wasm'));
    expect(backendSpeed('tensorflow')).toEqual(backendSpeed('wasm'));
  });
});

describe('planSlots', () => {
  it('fills the cores with whole runs by default', () => {
    expect(planSlots({ cores: 2, runs: 7 })).toEqual({ concurrency: 2, workersPerRun: 1 });
    expect(planSlots({ cores: 8, runs: 7 })).toEqual({ concurrency: 7, workersPerRun: 1 });
  });

  it('gives the leftover cores to data parallelism when there are fewer runs than cores', () => {
    expect(planSlots({ cores: 2, runs: 1 })).toEqual({ concurrency: 1, workersPerRun: 2 });
    expect(planSlots({ cores: 8, runs: 3 })).toEqual({ concurrency: 3, workersPerRun: 2 });
  });

  it('derives the missing number from the one given', () => {
    expect(planSlots({ cores: 8, runs: 7, workersPerRun: 2 })).toEqual({ concurrency: 4, workersPerRun: 2 });
    expect(planSlots({ cores: 8, runs: 7, concurrency: 2 })).toEqual({ concurrency: 2, workersPerRun: 4 });
    expect(planSlots({ cores: 2, runs: 7, concurrency: 1 })).toEqual({ concurrency: 1, workersPerRun: 2 });
  });

  it('keeps concurrency × workers within the cores unless --oversubscribe', () => {
    expect(() => planSlots({ cores: 2, runs: 7, concurrency: 2, workersPerRun: 2 })).toThrow(ConfigError);
    expect(() => planSlots({ cores: 2, runs: 7, concurrency: 2, workersPerRun: 2 })).toThrow(
      '--concurrency 2 × --workers-per-run 2 = 4 threads, but this machine has 2 cores; lower one of them or pass --oversubscribe.',
    );
    expect(() => planSlots({ cores: 2, runs: 7, concurrency: 3 })).toThrow('= 3 threads, but this machine has 2 cores');
    expect(planSlots({ cores: 2, runs: 7, concurrency: 2, workersPerRun: 2, oversubscribe: true })).toEqual({
      concurrency: 2,
      workersPerRun: 2,
    });
  });
});
