import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '@fnn/core';
import type { Dataset } from '@fnn/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatTable } from '../comparison.js';
import { LocalExecutor } from '../local-executor.js';
import type { ProgressDisplay } from '../progress.js';
import { ResultsStore, type ResultsFile } from '../results-store.js';
import { defaultRuns, type RunConfig } from '../run-config.js';
import type { FitEngine, FitHooks, FitRequest } from '../run-task.js';
import type { SweepData } from '../sweep-data.js';
import { runSweep } from '../sweep.js';
import { AshaScheduler, type AshaSettings } from './asha.js';
import { restoreAshaScheduler } from './search-plan.js';
import { embeddedReportData } from '../../test-support/report-page.js';

const SETTINGS: AshaSettings = {
  maxEpochs: 9,
  gracePeriod: 1,
  reductionFactor: 3,
  metric: 'val_accuracy',
  mode: 'max',
};

/**
 * Nine trials trained one at a time in plan order A–I, so each reaches its rungs (epochs 1 and
 * 3 for r = 1, η = 3, R = 9) before the next starts. val_accuracy after epoch 1 and epoch 3:
 *
 *   trial      A    B    C    D    E    F    G    H    I
 *   epoch 1   .50  .60  .55  .70  .60  .40  .65  .60  .58
 *   epoch 3   .80  .85   –   .82  .90   –   .83  .85   –
 *
 * Decisions in arrival order (keep = ⌈n/3⌉; rank = 1 + results strictly better; ties go on):
 *   A@1 n1 keep1 rank1 go   A@3 n1 keep1 rank1 go (A finishes 9 epochs)
 *   B@1 n2 keep1 rank1 go   B@3 n2 keep1 rank1 go (.85 > .80; B finishes)
 *   C@1 n3 keep1 rank2 STOP (.55 < .60)
 *   D@1 n4 keep2 rank1 go   D@3 n3 keep1 rank2 STOP (.82 < .85)
 *   E@1 n5 keep2 rank2 go (tie with B at .60)   E@3 n4 keep2 rank1 go (E finishes)
 *   F@1 n6 keep2 rank6 STOP
 *   G@1 n7 keep3 rank2 go   G@3 n5 keep2 rank3 STOP (.83 < .85)
 *   H@1 n8 keep3 rank3 go (tie)   H@3 n6 keep2 rank2 go (tie with B at .85; H finishes)
 *   I@1 n9 keep3 rank6 STOP
 * Epochs trained: 9+9+1+3+9+1+3+9+1 = 45 of 81.
 */
const CURVES: Record<string, [number, number | null]> = {
  A: [0.5, 0.8],
  B: [0.6, 0.85],
  C: [0.55, null],
  D: [0.7, 0.82],
  E: [0.6, 0.9],
  F: [0.4, null],
  G: [0.65, 0.83],
  H: [0.6, 0.85],
  I: [0.58, null],
};
const EXPECTED_DECISIONS = [
  ['A', 1, 'continue'],
  ['A', 3, 'continue'],
  ['B', 1, 'continue'],
  ['B', 3, 'continue'],
  ['C', 1, 'stop'],
  ['D', 1, 'continue'],
  ['D', 3, 'stop'],
  ['E', 1, 'continue'],
  ['E', 3, 'continue'],
  ['F', 1, 'stop'],
  ['G', 1, 'continue'],
  ['G', 3, 'stop'],
  ['H', 1, 'continue'],
  ['H', 3, 'continue'],
  ['I', 1, 'stop'],
];
const STOPPED_AT: Record<string, number> = { C: 1, D: 3, F: 1, G: 3, I: 1 };

function valAccuracy(trial: string, epoch: number): number {
  const [first, third] = CURVES[trial]!;
  if (epoch === 1) return first;
  if (epoch === 2) return first + 0.05;
  if (third === null) throw new Error(`${trial} should have been stopped at epoch 1, but trains epoch ${epoch}`);
  return third + 0.005 * (epoch - 3);
}

/** Replays the curves above, one epoch per call of onEpochEnd; `after` may act after an epoch (e.g. abort). */
class ReplayEngine implements FitEngine {
  readonly backend = 'replay';
  readonly workers = 1;
  constructor(private readonly after: (runId: string, epoch: number) => void = () => {}) {}
  async fit(request: FitRequest, hooks: FitHooks): Promise<void> {
    for (let epoch = request.initialEpoch; epoch < request.epochs; epoch++) {
      hooks.onEpochBegin(epoch);
      await new Promise((r) => setTimeout(r, 1));
      // As a real engine's first batch would, this throws once the sweep is interrupted.
      hooks.onBatchEnd(epoch, 0, {});
      const acc = valAccuracy(request.runId, epoch + 1);
      const stop = hooks.onEpochEnd(epoch, { loss: 1 - acc, accuracy: acc, val_loss: 1 - acc, val_accuracy: acc });
      this.after(request.runId, epoch + 1);
      if (stop) return;
    }
  }
  snapshot() {
    return { weights: [], optimizer: null };
  }
  restore() {}
  async close() {}
}

const silent: ProgressDisplay = { runStarted() {}, update() {}, runEnded() {}, log() {}, stop() {} };

// The run task builds and evaluates real (tiny) models: data in the shape the builder expects.
const data = (() => {
  const size = 4;
  const ds = {
    size,
    featureSize: 784,
    labelSize: 10,
    toTensors: (tf: { tensor2d: (v: Float32Array, s: [number, number]) => unknown }) => {
      const y = new Float32Array(size * 10);
      for (let i = 0; i < size; i++) y[i * 10 + (i % 10)] = 1;
      return { x: tf.tensor2d(new Float32Array(size * 784), [size, 784]), y: tf.tensor2d(y, [size, 10]) };
    },
  } as unknown as Dataset;
  return { train: ds, validation: ds, test: ds, inputSize: 784, classes: 10, source: 'fake' } as SweepData;
})();

const TRIALS: RunConfig[] = Object.keys(CURVES).map((id) => ({
  ...defaultRuns()[0]!,
  id,
  configId: id,
  hidden: [8],
  epochs: 9,
}));

function search(options: {
  dir: string;
  scheduler: AshaScheduler;
  after?: (runId: string, epoch: number) => void;
  signal?: AbortSignal;
  resume?: boolean;
  report?: boolean;
}) {
  let engines = 0;
  const executor = new LocalExecutor({
    data,
    saveModels: false,
    createEngine: async () => {
      engines++;
      return new ReplayEngine(options.after);
    },
    workersPerRun: 1,
    elastic: false,
    description: 'replay',
  });
  return runSweep({
    runs: TRIALS,
    store: new ResultsStore(options.dir),
    executor,
    concurrency: 1,
    display: silent,
    signal: options.signal ?? new AbortController().signal,
    resume: options.resume ?? false,
    saveModels: false,
    trainSize: 4,
    writeReport: options.report ?? false,
    search: { strategy: 'grid', trials: TRIALS.length, seed: 1, asha: SETTINGS },
    scheduler: options.scheduler,
    meta: { backend: 'replay', cores: 1, workersPerRun: 1 },
  }).then((outcome) => ({ ...outcome, engines }));
}

describe('a sweep with ASHA', () => {
  beforeAll(async () => {
    await setBackend('wasm');
  });

  it('stops the runs the hand-worked table stops, keeping their history and checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-asha-'));
    const { runs, results, engines } = await search({ dir, scheduler: new AshaScheduler(SETTINGS), report: true });
    expect(results.search!.decisions.map((d) => [d.trial, d.rung, d.decision])).toEqual(EXPECTED_DECISIONS);
    for (const run of runs) {
      const stoppedAt = STOPPED_AT[run.id];
      expect(run.status).toBe(stoppedAt ? 'stopped' : 'finished');
      expect(run.history.val_accuracy).toHaveLength(stoppedAt ?? 9);
      if (stoppedAt) {
        expect(run.stoppedBy).toMatchObject({ trial: run.id, rung: stoppedAt, decision: 'stop' });
        expect(run.final).toBeNull();
        // The model at the stopping epoch stays in the run's checkpoint.
        const checkpoint = JSON.parse(readFileSync(join(dir, 'checkpoints', run.id, 'latest.json'), 'utf8'));
        expect(checkpoint.epoch).toBe(stoppedAt);
      } else {
        expect(existsSync(join(dir, 'checkpoints', run.id, 'latest.json'))).toBe(false);
      }
    }
    expect(runs.reduce((n, r) => n + r.history.loss.length, 0)).toBe(45);
    // One engine served every trial: a stopped trial's worker went straight to the next.
    expect(engines).toBe(1);
    // results.json holds every decision with its metric and cut-off; asha.json the same for --resume.
    const saved = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;
    expect(saved.search).toMatchObject({ strategy: 'grid', rungs: [1, 3], asha: SETTINGS });
    expect(saved.search!.decisions.find((d) => d.trial === 'D' && d.rung === 3)).toEqual({
      trial: 'D',
      rung: 3,
      metric: 'val_accuracy',
      value: 0.82,
      cutoff: 0.85,
      rank: 2,
      count: 3,
      decision: 'stop',
    });
    expect(JSON.parse(readFileSync(join(dir, 'asha.json'), 'utf8')).decisions).toEqual(saved.search!.decisions);
    // The table: stopped runs show the epoch they stopped at and the rung decision; the winner finished.
    const table = formatTable(saved.comparison);
    expect(table).toMatch(/^D\s.*\s3\/9\s/m);
    expect(table).toContain(
      'D: stopped at epoch 3: val_accuracy 0.8200 worse than the cut-off 0.8500 (rank 2 of 3 at rung 3)',
    );
    expect(saved.winner?.configId).toBe('E');
    // The report draws the stopped runs' curves faded (its data marks them) and lists the decisions.
    const report = embeddedReportData(readFileSync(join(dir, 'report.html'), 'utf8'));
    expect(report.asha?.rows.filter((r) => r.decision === 'stopped')).toHaveLength(5);
    expect(report.curves.keys).toHaveLength(9);
    for (const key of report.curves.keys) expect([key.key, key.stopped]).toEqual([key.key, !!STOPPED_AT[key.key]]);
    expect(report.runs.filter((r) => r.status === 'stopped').map((r) => r.why)).toContain(
      'stopped at epoch 3: val_accuracy 0.8200 worse than the cut-off 0.8500 (rank 2 of 3 at rung 3)',
    );
  });

  it('resumes an interrupted search with the same rung records, re-deciding a rung the interruption cut short', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-asha-resume-'));
    const controller = new AbortController();
    const first = await search({
      dir,
      scheduler: new AshaScheduler(SETTINGS),
      signal: controller.signal,
      after: (id, epoch) => {
        if (id === 'E' && epoch === 1) controller.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.runs.find((r) => r.id === 'E')).toMatchObject({ status: 'interrupted' });
    // As if the process died between E's checkpoint at epoch 1 and saving E's rung decision.
    const state = JSON.parse(readFileSync(join(dir, 'asha.json'), 'utf8'));
    expect(state.decisions.at(-1)).toMatchObject({ trial: 'E', rung: 1 });
    state.decisions.pop();
    writeFileSync(join(dir, 'asha.json'), JSON.stringify(state));

    const second = await search({ dir, scheduler: restoreAshaScheduler(dir, SETTINGS), resume: true });
    expect(second.interrupted).toBe(false);
    expect(second.results.search!.decisions.map((d) => [d.trial, d.rung, d.decision])).toEqual(EXPECTED_DECISIONS);
    const e = second.runs.find((r) => r.id === 'E')!;
    expect(e).toMatchObject({ status: 'finished', resumedFromEpoch: 1 });
    expect(e.history.val_accuracy).toHaveLength(9);
    expect(second.runs.map((r) => r.status)).toEqual(TRIALS.map((t) => (STOPPED_AT[t.id] ? 'stopped' : 'finished')));
  });
});
