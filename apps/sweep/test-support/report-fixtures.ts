import { compare, findWinner } from '../src/comparison.js';
import type { RunResult } from '../src/executor.js';
import type { RungDecision } from '../src/search/asha.js';
import { withRepeats } from '../src/options.js';
import type { ResultsFile, SweepMeta } from '../src/results-store.js';
import { defaultRuns } from '../src/run-config.js';
import { fakeResult } from './fake-runs.js';

const META: SweepMeta = {
  status: 'finished',
  startedAt: '2026-08-20T10:00:00.000Z',
  finishedAt: '2026-08-20T10:05:00.000Z',
  wallSeconds: 300,
  backend: 'wasm',
  cores: 2,
  concurrency: 2,
  workersPerRun: 1,
  samplesPerSecond: 12345,
};

/** A results file as the sweep writes it, from the given runs (plan order). */
export function resultsOf(runs: RunResult[], meta: Partial<SweepMeta> = {}): ResultsFile {
  const comparison = compare(runs);
  return { schemaVersion: 2, sweep: { ...META, ...meta }, comparison, winner: findWinner(comparison), runs };
}

/**
 * The default runs cut to 6 epochs (deep-dropout-50 trains 6, the rest 5) with fake metrics:
 * `wide` and `functional-wide` draw identical curves, as do deep-dropout and deep-dropout-50 over
 * their first 5 epochs; `deep` failed after one epoch; `never-started` was interrupted before any.
 */
export function lessonResults(): ResultsFile {
  const configs = defaultRuns().map((c) => ({ ...c, epochs: Math.min(c.epochs, 6) }));
  const runs = configs.map((c) => fakeResult(c, c.id === 'deep' ? 'failed' : 'finished'));
  // Finished runs evaluated the test set: each digit 95 times right, once taken for each other digit.
  for (const run of runs) if (run.status === 'finished') run.testConfusion = confusion(10, 95);
  const never = fakeResult({ ...configs[0]!, id: 'never-started', configId: 'never-started' }, 'interrupted');
  never.history = { loss: [], accuracy: [], val_loss: [], val_accuracy: [], seconds: [], workers: [] };
  runs.push(never);
  return resultsOf(runs);
}

/**
 * A search whose ASHA stopped `deep-dropout` at its first rung (epoch 1): its history ends there,
 * its row and curve are muted and the rung decisions are listed.
 */
export function ashaResults(): ResultsFile {
  const results = lessonResults();
  const stoppedBy: RungDecision = {
    trial: 'deep-dropout',
    rung: 1,
    metric: 'val_accuracy',
    value: 0.5,
    cutoff: 0.9,
    rank: 2,
    count: 3,
    keep: 1,
    decision: 'stop',
  };
  const runs = results.runs.map((run): RunResult => {
    if (run.id !== 'deep-dropout') return run;
    const history = Object.fromEntries(
      Object.entries(run.history).map(([key, values]) => [key, values.slice(0, 1)]),
    ) as unknown as RunResult['history'];
    return { ...run, status: 'stopped', final: null, stoppedBy, history, testConfusion: undefined };
  });
  const asha = {
    maxEpochs: 6,
    gracePeriod: 1,
    reductionFactor: 3,
    metric: 'val_accuracy' as const,
    mode: 'max' as const,
  };
  const search = {
    strategy: 'grid' as const,
    trials: runs.length,
    seed: 1,
    asha,
    rungs: [1, 3],
    decisions: [stoppedBy],
  };
  return { ...resultsOf(runs), search };
}

/** A test-set confusion matrix: `right` on the diagonal, 1 everywhere else. */
export function confusion(classes: number, right: number): number[][] {
  return Array.from({ length: classes }, (_, a) => Array.from({ length: classes }, (_, p) => (a === p ? right : 1)));
}

/** The default runs, 4 epochs each, repeated with 3 seeds (fake metrics depend on the seed). */
export function repeatedResults(): ResultsFile {
  const configs = withRepeats(
    defaultRuns().map((c) => ({ ...c, epochs: 4 })),
    3,
  );
  return resultsOf(configs.map((c) => fakeResult(c)));
}

/** Markup that would run script if any value reached the page unescaped or closed a script element. */
export const HOSTILE = `</script><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><!--`;

/** Two runs whose every text field (ids included) is HOSTILE: a tampered results file. */
export function hostileResults(): ResultsFile {
  const runs = defaultRuns()
    .slice(0, 2)
    .map((c) => fakeResult({ ...c, epochs: 2 }));
  const tampered: RunResult = {
    ...runs[1]!,
    id: HOSTILE,
    configId: HOSTILE,
    status: 'failed',
    error: HOSTILE,
    summary: HOSTILE,
    architecture: HOSTILE,
    backend: HOSTILE,
    final: null,
  };
  return resultsOf([runs[0]!, tampered], { startedAt: HOSTILE, backend: HOSTILE, data: HOSTILE });
}
