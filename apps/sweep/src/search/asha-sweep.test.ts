import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend, tf, type LayersModel } from '@fnn/core';
import type { Dataset } from '@fnn/data';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../checkpoint.js';
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
 * Nine trials on one slot, new ones started in plan order A–I (r = 1, η = 3, R = 9: rungs at
 * epochs 1 and 3). val_accuracy after epoch 1 and epoch 3 (epoch 2 is epoch 1's + .05, later
 * epochs epoch 3's + .005 each):
 *
 *   trial      A    B    C    D    E    F    G    H    I
 *   epoch 1   .50  .60  .55  .70  .60  .40  .65  .60  .58
 *   epoch 3   .70  .80  .70  .85  .70  .70  .90  .70  .70
 *
 * The slot's work in order (get_job after each run ends: a promotion from the highest rung
 * down within the top ⌊n/3⌋ not promoted yet, with fewer than ⌊n/3⌋ promoted there; else the
 * next new trial; equal values rank by arrival):
 *   A@1 pause (n1 = 1, keep 0)      B@1 pause (n 2, keep 0)      C@1 pause (n 3, keep 1: B is the top)
 *   get_job: promote B@1 → B resumes from its epoch-1 checkpoint: B@3 pause (rung 3: n 1, keep 0;
 *            rung 1 has its 1 promotion)
 *   D@1 pause (n 4, keep 1, taken by B)   E@1 pause (n 5; .60 ties B, ranks after it)
 *   F@1 pause (n 6, keep 2: D is the candidate, not F)
 *   get_job: promote D@1 → D@3 pause (rung 3: n 2, keep 0; rung 1 has its 2 promotions)
 *   G@1 pause (n 7)   H@1 pause (n 8)   I@1 pause (n 9, keep 3: G, after I's arrival)
 *   get_job: promote G@1 → G@3 .90 is the top 1 of 3 at rung 3: continues in place to epoch 9
 *   get_job: nothing promotable, nothing new, nothing training: the search ends. Still paused,
 *   so stopped: A, C, E, F, H, I at epoch 1 (rung 1: D G B E H I C A F, keep 3, cut-off .60),
 *   B, D at epoch 3 (rung 3: G D B, keep 1, cut-off .90).
 * Epochs trained: 1+3+1+3+1+1+9+1+1 = 21 of 81 (9 + 3·2 + 1·6).
 */
const CURVES: Record<string, [number, number]> = {
  A: [0.5, 0.7],
  B: [0.6, 0.8],
  C: [0.55, 0.7],
  D: [0.7, 0.85],
  E: [0.6, 0.7],
  F: [0.4, 0.7],
  G: [0.65, 0.9],
  H: [0.6, 0.7],
  I: [0.58, 0.7],
};
const EXPECTED_DECISIONS = [
  ['A', 1, 'pause'],
  ['B', 1, 'pause'],
  ['C', 1, 'pause'],
  ['B', 1, 'promote'],
  ['B', 3, 'pause'],
  ['D', 1, 'pause'],
  ['E', 1, 'pause'],
  ['F', 1, 'pause'],
  ['D', 1, 'promote'],
  ['D', 3, 'pause'],
  ['G', 1, 'pause'],
  ['H', 1, 'pause'],
  ['I', 1, 'pause'],
  ['G', 1, 'promote'],
  ['G', 3, 'continue'],
  ['A', 1, 'stop'],
  ['C', 1, 'stop'],
  ['E', 1, 'stop'],
  ['F', 1, 'stop'],
  ['H', 1, 'stop'],
  ['I', 1, 'stop'],
  ['B', 3, 'stop'],
  ['D', 3, 'stop'],
];
const STOPPED_AT: Record<string, number> = { A: 1, B: 3, C: 1, D: 3, E: 1, F: 1, H: 1, I: 1 };

function valAccuracy(trial: string, epoch: number): number {
  const [first, third] = CURVES[trial]!;
  if (epoch === 1) return first;
  if (epoch === 2) return first + 0.05;
  return third + 0.005 * (epoch - 3);
}

/** Sum of every weight of the model: a fingerprint of what it has trained. */
function weightSum(model: LayersModel): number {
  return model.weights.reduce((sum, w) => sum + (w.read().dataSync() as Float32Array).reduce((a, b) => a + b, 0), 0);
}

/**
 * Replays the curves above, one epoch per call of onEpochEnd, and "trains": every weight w
 * becomes w/2 + epoch/8, from whatever the model holds — so a run that did not really resume
 * from its checkpoint ends with other weights. `trace` records the weight sum after each epoch;
 * `after` may act after an epoch (e.g. abort).
 */
class ReplayEngine implements FitEngine {
  readonly backend = 'replay';
  readonly workers = 1;
  constructor(
    private readonly trace: Map<string, number[]>,
    private readonly after: (runId: string, epoch: number) => void = () => {},
  ) {}
  async fit(request: FitRequest, hooks: FitHooks): Promise<void> {
    const { model, runId } = request;
    for (let epoch = request.initialEpoch; epoch < request.epochs; epoch++) {
      hooks.onEpochBegin(epoch);
      await new Promise((r) => setTimeout(r, 1));
      // As a real engine's first batch would, this throws once the sweep is interrupted.
      hooks.onBatchEnd(epoch, 0, {});
      const next = tf.tidy(() => model.weights.map((w) => tf.add(tf.div(w.read(), 2), (epoch + 1) / 8)));
      model.setWeights(next);
      tf.dispose(next);
      const sums = this.trace.get(runId) ?? [];
      sums[epoch] = weightSum(model);
      this.trace.set(runId, sums);
      const acc = valAccuracy(runId, epoch + 1);
      const stop = hooks.onEpochEnd(epoch, { loss: 1 - acc, accuracy: acc, val_loss: 1 - acc, val_accuracy: acc });
      this.after(runId, epoch + 1);
      if (stop) return;
    }
  }
  snapshot(model: LayersModel) {
    const weights = model.weights.map((w) => ({
      name: w.name,
      shape: [...w.shape],
      values: (w.read().dataSync() as Float32Array).slice(),
    }));
    return { weights, optimizer: null };
  }
  restore(model: LayersModel, checkpoint: Checkpoint) {
    const byName = new Map(checkpoint.weights.map((w) => [w.name, w]));
    const values = model.weights.map((w) => tf.tensor(byName.get(w.name)!.values, byName.get(w.name)!.shape));
    model.setWeights(values);
    tf.dispose(values);
  }
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
    toTensors: (t: { tensor2d: (v: Float32Array, s: [number, number]) => unknown }) => {
      const y = new Float32Array(size * 10);
      for (let i = 0; i < size; i++) y[i * 10 + (i % 10)] = 1;
      return { x: t.tensor2d(new Float32Array(size * 784), [size, 784]), y: t.tensor2d(y, [size, 10]) };
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
  scheduler?: AshaScheduler;
  trace?: Map<string, number[]>;
  after?: (runId: string, epoch: number) => void;
  display?: ProgressDisplay;
  signal?: AbortSignal;
  resume?: boolean;
  report?: boolean;
  concurrency?: number;
  /** Records the executor's releaseSlot and claimSlot calls. */
  slotCalls?: string[];
}) {
  let engines = 0;
  const trace = options.trace ?? new Map<string, number[]>();
  const executor = new LocalExecutor({
    data,
    saveModels: false,
    createEngine: async () => {
      engines++;
      return new ReplayEngine(trace, options.after);
    },
    workersPerRun: 1,
    elastic: false,
    description: 'replay',
  });
  const { slotCalls } = options;
  if (slotCalls) {
    executor.releaseSlot = () => slotCalls.push('release');
    executor.claimSlot = () => slotCalls.push('claim');
  }
  const asha = options.scheduler ? SETTINGS : null;
  return runSweep({
    runs: TRIALS,
    store: new ResultsStore(options.dir),
    executor,
    concurrency: options.concurrency ?? 1,
    display: options.display ?? silent,
    signal: options.signal ?? new AbortController().signal,
    resume: options.resume ?? false,
    saveModels: false,
    trainSize: 4,
    writeReport: options.report ?? false,
    search: { strategy: 'grid', trials: TRIALS.length, seed: 1, asha },
    scheduler: options.scheduler,
    meta: { backend: 'replay', cores: 1, workersPerRun: 1 },
  }).then((outcome) => ({ ...outcome, engines, trace }));
}

/** The weight sums of every trial trained 9 epochs without ASHA: what a paused and promoted trial must repeat. */
let reference: Map<string, number[]>;

describe('a sweep with ASHA (promotion form)', () => {
  beforeAll(async () => {
    await setBackend('wasm');
    const plain = await search({ dir: mkdtempSync(join(tmpdir(), 'fnn-asha-plain-')) });
    expect(plain.runs.map((r) => [r.status, r.error])).toEqual(TRIALS.map(() => ['finished', undefined]));
    reference = plain.trace;
  });

  it('pauses at rungs, promotes as the hand-worked table says, resumes promoted runs from their checkpoints and ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-asha-'));
    const { runs, results, engines, trace } = await search({
      dir,
      scheduler: new AshaScheduler(SETTINGS),
      report: true,
    });
    expect(results.sweep.status).toBe('finished');
    expect(results.search!.decisions.map((d) => [d.trial, d.rung, d.decision])).toEqual(EXPECTED_DECISIONS);
    for (const run of runs) {
      const stoppedAt = STOPPED_AT[run.id];
      expect(run.status).toBe(stoppedAt ? 'stopped' : 'finished');
      expect(run.history.val_accuracy).toHaveLength(stoppedAt ?? 9);
      // Paused (B, D, G) or not, every run trained the weights it would have trained without a pause.
      expect(trace.get(run.id)).toEqual(reference.get(run.id)!.slice(0, stoppedAt ?? 9));
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
    // Without resuming from the checkpoint, G's weights would differ (the "training" depends on them).
    expect(reference.get('G')![1]).not.toBe(reference.get('G')![0]);
    expect(runs.find((r) => r.id === 'G')).toMatchObject({ status: 'finished', resumedFromEpoch: 1 });
    expect(runs.reduce((n, r) => n + r.history.loss.length, 0)).toBe(21);
    // One engine served every run and every promotion.
    expect(engines).toBe(1);
    // results.json holds every decision with its standing; asha.json the same for --resume.
    const saved = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;
    expect(saved.search).toMatchObject({ strategy: 'grid', rungs: [1, 3], asha: SETTINGS });
    expect(saved.search!.decisions.filter((d) => d.trial === 'D')).toEqual([
      {
        trial: 'D',
        rung: 1,
        metric: 'val_accuracy',
        value: 0.7,
        cutoff: 0.7,
        rank: 1,
        count: 4,
        keep: 1,
        decision: 'pause',
      },
      {
        trial: 'D',
        rung: 1,
        metric: 'val_accuracy',
        value: 0.7,
        cutoff: 0.6,
        rank: 1,
        count: 6,
        keep: 2,
        decision: 'promote',
      },
      {
        trial: 'D',
        rung: 3,
        metric: 'val_accuracy',
        value: 0.85,
        cutoff: null,
        rank: 1,
        count: 2,
        keep: 0,
        decision: 'pause',
      },
      {
        trial: 'D',
        rung: 3,
        metric: 'val_accuracy',
        value: 0.85,
        cutoff: 0.9,
        rank: 2,
        count: 3,
        keep: 1,
        decision: 'stop',
      },
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'asha.json'), 'utf8')).decisions).toEqual(saved.search!.decisions);
    // The table: stopped runs show the epoch they stopped at and the final decision; G finished.
    const stopD =
      'stopped at epoch 3: val_accuracy 0.8500 is rank 2 of 3 at rung 3, not in the top ⌊n/η⌋ = 1 (cut-off 0.9000) when the search ended';
    const table = formatTable(saved.comparison);
    expect(table).toMatch(/^D\s.*\s3\/9\s/m);
    expect(table).toContain(`D: ${stopD}`);
    expect(table).toContain(
      'E: stopped at epoch 1: val_accuracy 0.6000 is rank 4 of 9 at rung 1, not in the top ⌊n/η⌋ = 3 (cut-off 0.6000) when the search ended',
    );
    expect(saved.winner?.configId).toBe('G');
    // G's time is its two segments', from its first start.
    const g = saved.runs.find((r) => r.id === 'G')!;
    expect(Date.parse(g.timing.startedAt)).toBeLessThan(
      Date.parse(saved.runs.find((r) => r.id === 'H')!.timing.startedAt),
    );
    // The report draws the stopped runs' curves faded (its data marks them) and lists the decisions.
    const report = embeddedReportData(readFileSync(join(dir, 'report.html'), 'utf8'));
    expect(report.asha?.rows.map((r) => r.decision)).toEqual(
      EXPECTED_DECISIONS.map(
        ([, , d]) => ({ pause: 'paused', promote: 'promoted', continue: 'continued', stop: 'stopped' })[d as string],
      ),
    );
    expect(report.curves.keys).toHaveLength(9);
    for (const key of report.curves.keys) expect([key.key, key.stopped]).toEqual([key.key, !!STOPPED_AT[key.key]]);
    expect(report.runs.filter((r) => r.status === 'stopped').map((r) => r.why)).toContain(stopD);
  });

  const interruptions: [what: string, trigger: { epochOf?: [string, number]; log?: RegExp }, carried: string][] = [
    // As if the process died between E's checkpoint at epoch 1 and saving E's rung record.
    ['between a checkpoint and its rung record', { epochOf: ['E', 1] }, 'E'],
    ['while a promoted run trains', { epochOf: ['G', 2] }, 'G'],
    ['between a promotion and the promoted run training', { log: /^\[D\] promoted at epoch 1/ }, 'D'],
  ];
  it.each(interruptions)(
    'resumes a search interrupted %s with the same trials, records and weights',
    async (_, trigger, carried) => {
      const dir = mkdtempSync(join(tmpdir(), 'fnn-asha-resume-'));
      const controller = new AbortController();
      const trace = new Map<string, number[]>();
      const first = await search({
        dir,
        trace,
        scheduler: new AshaScheduler(SETTINGS),
        signal: controller.signal,
        after: (id, epoch) => {
          if (trigger.epochOf?.[0] === id && trigger.epochOf[1] === epoch) controller.abort();
        },
        display: {
          ...silent,
          log: (line) => {
            if (trigger.log?.test(line)) controller.abort();
          },
        },
      });
      expect(first.interrupted).toBe(true);
      expect(first.results.sweep.status).toBe('interrupted');
      expect(first.runs.find((r) => r.id === carried)).toMatchObject({ status: 'interrupted' });
      // Nothing was stopped for good: the paused runs wait for the resumed search.
      expect(first.results.search!.decisions.some((d) => d.decision === 'stop')).toBe(false);
      if (carried === 'E') {
        const state = JSON.parse(readFileSync(join(dir, 'asha.json'), 'utf8'));
        expect(state.decisions.at(-1)).toMatchObject({ trial: 'E', rung: 1 });
        state.decisions.pop();
        writeFileSync(join(dir, 'asha.json'), JSON.stringify(state));
      }

      const second = await search({ dir, trace, scheduler: restoreAshaScheduler(dir, SETTINGS), resume: true });
      expect(second.interrupted).toBe(false);
      expect(second.results.search!.decisions.map((d) => [d.trial, d.rung, d.decision])).toEqual(EXPECTED_DECISIONS);
      expect(second.runs.map((r) => r.status)).toEqual(TRIALS.map((t) => (STOPPED_AT[t.id] ? 'stopped' : 'finished')));
      for (const run of second.runs) {
        const epochs = STOPPED_AT[run.id] ?? 9;
        expect(run.history.val_accuracy).toHaveLength(epochs);
        expect(trace.get(run.id)).toEqual(reference.get(run.id)!.slice(0, epochs));
      }
    },
  );

  it('on two slots ends with nothing paused, within the budget, a waiting slot lending its cores', async () => {
    const slotCalls: string[] = [];
    const { runs, results, trace } = await search({
      dir: mkdtempSync(join(tmpdir(), 'fnn-asha-two-')),
      scheduler: new AshaScheduler(SETTINGS),
      concurrency: 2,
      slotCalls,
    });
    expect(results.sweep.status).toBe('finished');
    expect(runs.every((r) => r.status === 'finished' || r.stoppedBy?.decision === 'stop')).toBe(true);
    // At most ⌊9/3⌋ go on from rung 1 and ⌊3/3⌋ from rung 3: 9 + 3·2 + 1·6 epochs.
    expect(runs.reduce((n, r) => n + r.history.loss.length, 0)).toBeLessThanOrEqual(21);
    for (const run of runs) expect(trace.get(run.id)).toEqual(reference.get(run.id)!.slice(0, run.history.loss.length));
    // A slot claims its cores back only after releasing them, and both have released them at the end.
    let lent = 0;
    for (const call of slotCalls) {
      lent += call === 'release' ? 1 : -1;
      expect(lent).toBeGreaterThanOrEqual(0);
      expect(lent).toBeLessThanOrEqual(2);
    }
    expect(lent).toBe(2);
  });

  it('refuses on --resume an asha.json of the stopping form (version 1), saying what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-asha-v1-'));
    writeFileSync(join(dir, 'asha.json'), JSON.stringify({ version: 1, settings: SETTINGS, decisions: [] }));
    expect(() => restoreAshaScheduler(dir, SETTINGS)).toThrow(
      `--resume ${dir}: asha.json holds version 1 decisions (ASHA's stopping form, of an earlier fnn-sweep); this version promotes paused runs instead and cannot continue them: start the search again.`,
    );
  });
});
