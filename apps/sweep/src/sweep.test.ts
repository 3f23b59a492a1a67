import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, findWinner, formatTable, lessonCheck, winnerLine } from './comparison.js';
import { CSV_HEADER, HISTORY_CSV_HEADER } from './csv.js';
import type { RunExecutor } from './executor.js';
import type { ProgressDisplay } from './progress.js';
import { ResultsStore, type ResultsFile } from './results-store.js';
import { defaultRuns, type RunConfig } from './run-config.js';
import { runSweep } from './sweep.js';
import { withRepeats } from './options.js';
import { estimateCost, type CostSettings } from './schedule.js';
import { backendSpeed } from './speed.js';
import { commandLine } from './invocation.js';
import { FakeExecutor, fakeResult } from '../test-support/fake-runs.js';
import { embeddedReportData } from '../test-support/report-page.js';

const silent: ProgressDisplay = { runStarted() {}, update() {}, runEnded() {}, log() {}, stop() {} };

function sweep(
  runs: RunConfig[],
  executor: RunExecutor,
  extra: {
    dir?: string;
    concurrency?: number;
    signal?: AbortSignal;
    resume?: boolean;
    report?: boolean;
    cost?: CostSettings;
  } = {},
) {
  const store = new ResultsStore(extra.dir ?? mkdtempSync(join(tmpdir(), 'fnn-sweep-')));
  return runSweep({
    runs,
    store,
    executor,
    concurrency: extra.concurrency ?? 2,
    display: silent,
    signal: extra.signal ?? new AbortController().signal,
    resume: extra.resume ?? false,
    saveModels: false,
    trainSize: 55_000,
    ...(extra.cost ? { cost: extra.cost } : {}),
    writeReport: extra.report ?? false,
    meta: { backend: 'fake', cores: 2, workersPerRun: 1 },
    dataFingerprint: 'f'.repeat(64),
  }).then((outcome) => ({ ...outcome, store }));
}

function readResults(store: ResultsStore): ResultsFile {
  return JSON.parse(readFileSync(join(store.dir, 'results.json'), 'utf8')) as ResultsFile;
}

describe('runSweep', () => {
  it('starts the longest runs first and never runs more than `concurrency` at once', async () => {
    const executor = new FakeExecutor();
    const { runs, interrupted } = await sweep(defaultRuns(), executor, { concurrency: 2 });
    expect(interrupted).toBe(false);
    expect(executor.started).toEqual([
      'wide-deep-bn',
      'wide-deep',
      'deep-dropout-50',
      'functional-wide',
      'wide',
      'deep',
      'deep-dropout',
    ]);
    expect(executor.maxRunning).toBe(2);
    // Each slot says once that it has nothing left to start: first while the other still trains.
    expect(executor.released).toEqual([1, 0]);
    // Results come back in plan order, whatever the order of training.
    expect(runs.map((r) => r.id)).toEqual(defaultRuns().map((r) => r.id));
  });

  it("orders the runs by the backend's speed it is given, as the dry run and the ETA estimate them", async () => {
    // A conv layer costs 15× a dense layer's FLOPs on wasm and under 3× on native, so the
    // one-epoch convnet is the longer run on wasm and the shorter one on native.
    const [wide] = defaultRuns();
    const conv: RunConfig = { ...wide!, id: 'conv', conv: [[32, 3]], pool: 2, hidden: [], epochs: 1 };
    const dense: RunConfig = { ...wide!, id: 'dense', hidden: [512, 512], epochs: 1 };
    const native: CostSettings = { inputSize: 784, classes: 10, speed: backendSpeed('native') };
    expect(estimateCost(conv, 55_000)).toBeGreaterThan(estimateCost(dense, 55_000));
    expect(estimateCost(conv, 55_000, native)).toBeLessThan(estimateCost(dense, 55_000, native));
    const onWasm = new FakeExecutor();
    await sweep([conv, dense], onWasm, { concurrency: 1 });
    expect(onWasm.started).toEqual(['conv', 'dense']);
    const onNative = new FakeExecutor();
    await sweep([conv, dense], onNative, { concurrency: 1, cost: native });
    expect(onNative.started).toEqual(['dense', 'conv']);
  });

  it('records a failed run with its error and finishes the others', async () => {
    const executor = new FakeExecutor(async (config) => {
      if (config.id === 'deep') return fakeResult(config, 'failed');
      if (config.id === 'wide') throw new Error('worker 1 exited with code 1');
      return fakeResult(config);
    });
    const { store, runs } = await sweep(defaultRuns(), executor, { report: true });
    const byId = Object.fromEntries(runs.map((r) => [r.id, r]));
    expect(byId.deep).toMatchObject({ status: 'failed', error: 'failed on purpose' });
    expect(byId.wide).toMatchObject({ status: 'failed', error: 'executor error: worker 1 exited with code 1' });
    expect(runs.filter((r) => r.status === 'finished')).toHaveLength(5);
    const results = readResults(store);
    expect(results.sweep.status).toBe('finished');
    expect(results.runs.map((r) => r.status)).toEqual(runs.map((r) => r.status));
    // Each run also has its own file, written when it ended.
    for (const run of runs) expect(JSON.parse(readFileSync(store.runPath(run.id), 'utf8')).status).toBe(run.status);
    // The report shows every run, the failed ones with their error.
    const report = embeddedReportData(readFileSync(join(store.dir, 'report.html'), 'utf8'));
    expect(report.runs.map((r) => r.id).sort()).toEqual(runs.map((r) => r.id).sort());
    expect(report.problems).toContainEqual({
      run: 'wide',
      status: 'failed',
      message: 'executor error: worker 1 exited with code 1',
    });
    expect(report.state).toBe('failed');
  });

  it('on resume, skips finished runs and trains the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-sweep-'));
    const first = new FakeExecutor(async (config) =>
      fakeResult(config, config.id === 'wide' || config.id === 'deep' ? 'failed' : 'finished'),
    );
    await sweep(defaultRuns(), first, { dir });
    const second = new FakeExecutor();
    const { runs } = await sweep(defaultRuns(), second, { dir, resume: true });
    expect(second.started.sort()).toEqual(['deep', 'wide']);
    expect(runs.every((r) => r.status === 'finished')).toBe(true);
    expect(readResults(new ResultsStore(dir)).runs.every((r) => r.status === 'finished')).toBe(true);
  });

  it("counts in samples/s only the training done while it ran (a queue's runs finished while the coordinator was away)", async () => {
    const [wide, deep, deepDropout] = defaultRuns();
    const hour = 3600_000;
    const at = (ms: number) => new Date(ms).toISOString();
    const executor = new FakeExecutor(async (config) => {
      const result = fakeResult(config); // 5 epochs of 1,000 samples
      const now = Date.now();
      // wide ended an hour ago; deep trained from an hour ago until now; deep-dropout only now.
      const span = { wide: [now - 2 * hour, now - hour], deep: [now - hour, now] }[config.id] ?? [now - 1, now];
      return { ...result, timing: { ...result.timing, startedAt: at(span[0]!), finishedAt: at(span[1]!) } };
    });
    const { store } = await sweep([wide!, deep!, deepDropout!], executor);
    const { sweep: meta } = readResults(store);
    // deep-dropout's 5,000 samples, and of deep's only what it trained since the sweep began.
    const trained = meta.samplesPerSecond * meta.wallSeconds;
    expect(trained).toBeGreaterThan(5000);
    expect(trained).toBeLessThan(5001);
  });

  it('when aborted, ends the running runs as interrupted, does not start the rest, and says so', async () => {
    const controller = new AbortController();
    const executor = new FakeExecutor(async (config, context) => {
      if (config.id === 'wide-deep') {
        controller.abort();
        return fakeResult(config, 'interrupted');
      }
      await new Promise((r) => setTimeout(r, 20));
      return fakeResult(config, context.signal.aborted ? 'interrupted' : 'finished');
    });
    const { store, interrupted, runs } = await sweep(defaultRuns(), executor, {
      concurrency: 2,
      signal: controller.signal,
    });
    expect(interrupted).toBe(true);
    expect(executor.started).toEqual(['wide-deep-bn', 'wide-deep']);
    const results = readResults(store);
    expect(results.sweep.status).toBe('interrupted');
    expect(results.runs).toHaveLength(7);
    expect(runs.find((r) => r.id === 'wide')).toMatchObject({
      status: 'interrupted',
      error: 'not started: the sweep was interrupted',
    });
    expect(runs.every((r) => r.status === 'interrupted')).toBe(true);
    // The interruption is recorded once, in results.json: runs that never started get no file.
    expect(existsSync(store.runPath('wide-deep'))).toBe(true);
    expect(existsSync(store.runPath('deep'))).toBe(false);
  });
});

describe('results files', () => {
  it('records a schema version, how to reproduce the sweep, and every epoch in history.csv', async () => {
    const runs = withRepeats(
      defaultRuns()
        .filter((r) => r.id === 'wide')
        .map((r) => ({ ...r, epochs: 2 })),
      2,
    );
    const { store } = await sweep(runs, new FakeExecutor());
    const results = readResults(store);
    expect(results.schemaVersion).toBe(2);
    expect(results.sweep.environment).toMatchObject({
      node: process.version,
      backend: 'fake',
      seeds: [1, 2],
      dataFingerprint: 'f'.repeat(64),
    });
    expect(results.sweep.environment!.command).toBe(commandLine(process.argv.slice(2)));
    // This worktree is a git repository: the commit is recorded (with -dirty when files changed).
    expect(results.sweep.environment!.gitCommit).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    const history = readFileSync(join(store.dir, 'history.csv'), 'utf8').trimEnd().split('\n');
    expect(history[0]!.split(',')).toEqual(HISTORY_CSV_HEADER);
    // 2 runs × 2 epochs × 6 series (loss, accuracy, val_loss, val_accuracy, seconds, workers).
    expect(history).toHaveLength(1 + 2 * 2 * 6);
    expect(history).toContain(`wide-s2,wide,2,val_accuracy,${fakeResult(runs[1]!).history.val_accuracy[1]}`);
  });

  it('writes one CSV row per run with config, params, metrics, timing and per-epoch history', async () => {
    const runs = defaultRuns()
      .filter((r) => r.id === 'wide' || r.id === 'deep')
      .map((r) => ({ ...r, epochs: 3 }));
    const { store } = await sweep(runs, new FakeExecutor());
    const lines = readFileSync(join(store.dir, 'results.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]!.split(',')).toEqual(CSV_HEADER);
    expect(lines).toHaveLength(3);
    const row = Object.fromEntries(CSV_HEADER.map((h, i) => [h, lines[1]!.split(',')[i]]));
    const expected = fakeResult(runs[0]!);
    expect(row).toMatchObject({
      id: 'wide',
      status: 'finished',
      architecture: '784-250-10',
      hidden: '250',
      optimizer: 'adam',
      learning_rate: '0.001',
      batch_size: '128',
      epochs: '3',
      params: '198760',
      epochs_done: '3',
      backend: 'fake',
      workers: '1',
    });
    expect(Number(row.val_accuracy)).toBe(expected.final!.valAccuracy);
    expect(row.history_val_accuracy!.split(';').map(Number)).toEqual(expected.history.val_accuracy);
    expect(
      lines[2]!.startsWith(
        'deep,deep,finished,784-50×5-10,50 50 50 50 50,0,false,relu,adam,0.001,128,3,1,sequential,49960,',
      ),
    ).toBe(true);
  });

  it('summarises repeats as mean ± sample std and names the winner by validation accuracy', async () => {
    const runs = withRepeats(
      defaultRuns().filter((r) => r.id === 'wide' || r.id === 'deep'),
      3,
    );
    expect(runs.map((r) => r.id)).toEqual(['wide-s1', 'wide-s2', 'wide-s3', 'deep-s1', 'deep-s2', 'deep-s3']);
    const { store } = await sweep(runs, new FakeExecutor());
    const results = readResults(store);
    const [wide, deep] = results.comparison;
    // val accuracy = 0.9 + 0.01·(epochs−1) + layers/1000 + seed/10000 − 0.005, seeds 1, 2, 3.
    expect(wide!.valAccuracy!.mean).toBeCloseTo(0.9 + 0.04 + 0.001 + 0.0002 - 0.005, 12);
    expect(wide!.valAccuracy!.std).toBeCloseTo(0.0001, 12);
    expect(deep!.valAccuracy!.mean).toBeCloseTo(0.9 + 0.04 + 0.005 + 0.0002 - 0.005, 12);
    expect(results.winner).toMatchObject({ configId: 'deep', runnerUp: { configId: 'wide' } });
    expect(winnerLine(results.winner)).toBe(
      'Winner: deep with 94.02 % validation accuracy, 0.40 points ahead of wide (93.62 %); its test accuracy is 97.00 %.',
    );
    const table = formatTable(results.comparison);
    expect(table).toContain('wide (3/3)');
    expect(table).toContain('93.62 ± 0.01');
  });

  it('notes configurations that did not finish under the table', () => {
    const [wide, deep] = defaultRuns();
    const rows = compare([fakeResult(wide!), fakeResult(deep!, 'failed')]);
    expect(findWinner(rows)!.runnerUp).toBeNull();
    const tie = compare([
      fakeResult(wide!),
      fakeResult({ ...wide!, id: 'functional-wide', configId: 'functional-wide' }),
    ]);
    expect(winnerLine(findWinner(tie))).toBe(
      'Winner: wide with 93.61 % validation accuracy, tied with functional-wide; its test accuracy is 97.00 %.',
    );
    expect(formatTable(rows).split('\n').at(-1)).toBe('deep: 0/1 finished (failed: failed on purpose)');
  });

  it('compares default runs trained as the lesson trains them with the lesson’s accuracy', () => {
    const [wide, deep] = defaultRuns();
    const asLesson = (r: ReturnType<typeof fakeResult>, valAccuracy: number) => ({
      ...r,
      trainSize: 55_000,
      final: { ...r.final!, valAccuracy },
    });
    const runs = [
      asLesson(fakeResult(wide!), 0.9772),
      asLesson(fakeResult(deep!), 0.96),
      asLesson(fakeResult({ ...wide!, id: 'wide-quick', epochs: 1 }), 0.9), // not the lesson's 5 epochs
      fakeResult({ ...wide!, id: 'wide-subset' }), // trained on a subset
    ];
    expect(lessonCheck(runs)).toEqual([
      "wide: 97.72 % validation accuracy, within the lesson's 97.5–98.0 %",
      "deep: 96.00 % validation accuracy, 0.50 points below the lesson's 96.5–97.0 %",
    ]);
  });
});
