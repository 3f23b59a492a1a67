import { formatTable, lessonCheck, winnerLine } from './comparison.js';
import { EXIT, usageError } from './exit-codes.js';
import { isSettled, type RunExecutor, type RunResult } from './executor.js';
import type { SweepSettings } from './options.js';
import { formatDuration, PlainProgress, TerminalProgress, type ProgressDisplay } from './progress.js';
import { dataFingerprint } from './queue/data-fingerprint.js';
import type { ResultsStore } from './results-store.js';
import { resumeCommand } from './resume-hint.js';
import { searchRecord } from './search/search-plan.js';
import { ashaSummary } from './search/summary.js';
import type { Dashboard } from './serve/dashboard.js';
import { onStopSignals } from './signals.js';
import { wrapWords } from './wrap-words.js';
import type { SweepOutcome } from './sweep.js';
import { costSettings, type SweepSetup } from './sweep-setup.js';

export interface TrainPlan {
  settings: SweepSettings;
  store: ResultsStore;
  setup: SweepSetup;
  /** The backend this process resolved the request to. */
  backend: string;
  cores: number;
  /** How the runs share the machine (or the queue), for the log. */
  mode: string;
  order: { config: SweepSettings['runs'][number]; cost: number }[];
  /** --serve: the live page, fed from the progress display. */
  dashboard: Dashboard | null;
}

/** Trains the sweep (the options are checked, the output folder locked) and prints its outcome; returns the exit code. */
export async function trainSweep(p: TrainPlan): Promise<number> {
  const { settings, store, setup } = p;
  if (!settings.resume) {
    store.writePlan({
      version: 1,
      createdAt: new Date().toISOString(),
      runs: setup.runs,
      ...setup.dataOptions,
      backend: p.backend,
      search: setup.search,
    });
  }
  // What earlier attempts recorded (--resume): the queue skips finished jobs, the page shows them.
  const previous = settings.resume ? store.readRuns(setup.runs.map((r) => r.id)) : new Map<string, RunResult>();
  const display = createDisplay(p, previous);
  let executor: RunExecutor;
  try {
    executor = await createExecutor(p, display, previous);
  } catch (error) {
    display.stop();
    return usageError(error);
  }
  const { outcome, received } = await runWithSignals(p, display, executor);
  await p.dashboard?.close(outcome.results);
  return printOutcome(p, outcome, received);
}

/** With --queue every run is enqueued at once; the workers decide how many train together. */
function concurrencyOf({ settings, setup }: TrainPlan): number {
  return settings.queue ? setup.runs.length : setup.slots.concurrency;
}

function sweepMeta({ backend, cores, setup }: TrainPlan) {
  const { data } = setup;
  return {
    backend,
    cores,
    workersPerRun: setup.slots.workersPerRun,
    data: `${data.source}: train ${data.train.size}, validation ${data.validation.size}, test ${data.test.size}`,
  };
}

/** The terminal's live lines (or plain log lines), also feeding the --serve page. */
function createDisplay(p: TrainPlan, previous: Map<string, RunResult>): ProgressDisplay {
  const { setup, store } = p;
  const { runs, data } = setup;
  const totalCost = p.order.reduce((a, r) => a + r.cost, 0);
  const interactive = process.stderr.isTTY === true && !process.env.CI;
  const terminal: ProgressDisplay = interactive
    ? new TerminalProgress(
        runs.length,
        totalCost,
        runs.map((r) => r.id),
      )
    : new PlainProgress(runs.length, totalCost);
  const display = p.dashboard
    ? p.dashboard.watch(terminal, {
        runs,
        meta: { ...sweepMeta(p), concurrency: concurrencyOf(p) },
        trainSize: data.train.size,
        previous,
        search: setup.search ? () => searchRecord(setup.search!, setup.scheduler) : undefined,
      })
    : terminal;
  display.log(`fnn-sweep: ${runs.length} runs, backend ${p.backend}${setup.backendNote}, ${p.mode}`);
  display.log(
    `fnn-sweep: data ${data.source} (train ${data.train.size}, validation ${data.validation.size}, test ${data.test.size})`,
  );
  display.log(`fnn-sweep: writing to ${store.dir}`);
  return display;
}

/** The queue's coordinator (--queue), or this machine's slots. */
async function createExecutor(
  p: TrainPlan,
  display: ProgressDisplay,
  previous: Map<string, RunResult>,
): Promise<RunExecutor> {
  const { settings, setup, store, backend } = p;
  if (settings.queue) {
    const { connectCoordinator } = await import('./queue/coordinator.js');
    return connectCoordinator({
      queue: settings.queue,
      outDir: store.dir,
      runs: setup.runs,
      data: setup.data,
      ...setup.dataOptions,
      // Finished, or stopped by ASHA (perhaps paused): their jobs so far are done with.
      recorded: [...previous.values()].filter(isSettled).map((r) => ({ id: r.id, epochs: r.history.loss.length })),
      asha: setup.search?.asha ?? null,
      log: (line) => display.log(line),
    });
  }
  const [{ InProcessEngine, TrainerEngine }, { LocalExecutor }] = await Promise.all([
    import('./engines.js'),
    import('./local-executor.js'),
  ]);
  return new LocalExecutor({
    data: setup.data,
    saveModels: settings.saveModels,
    description: p.mode,
    workersPerRun: setup.slots.workersPerRun,
    elastic: !settings.inProcess && !settings.fixedWorkers,
    // Test-only: grow runs however little training they have left.
    ...(process.env.FNN_SWEEP_MIN_GROW_SECONDS
      ? { minSecondsToGrow: Number(process.env.FNN_SWEEP_MIN_GROW_SECONDS) }
      : {}),
    // Workers resolve the backend themselves from what was asked ('auto' picks the best one that
    // loads in a thread; a resumed sweep asks for the one it started on); batch-norm models on
    // several workers keep whole-batch statistics.
    createEngine: settings.inProcess
      ? () => InProcessEngine.create(backend)
      : (workers, config) => TrainerEngine.create(workers, setup.backendRequest, backend, config.batchNorm),
  });
}

/** Runs the sweep; SIGINT or SIGTERM stop the running runs and keep everything finished. */
async function runWithSignals(
  p: TrainPlan,
  display: ProgressDisplay,
  executor: RunExecutor,
): Promise<{ outcome: SweepOutcome; received: string | null }> {
  const { settings, setup, store } = p;
  const { runSweep } = await import('./sweep.js');
  const controller = new AbortController();
  const signals = onStopSignals((signal) => {
    // One line that fits 80 columns whole (a terminal's lines are cut to its width).
    display.log(
      `fnn-sweep: stopping (${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'}); writing what finished. Again: quit at once`,
    );
    controller.abort();
  });
  try {
    const outcome = await runSweep({
      runs: setup.runs,
      store,
      executor,
      concurrency: concurrencyOf(p),
      display,
      signal: controller.signal,
      resume: settings.resume,
      saveModels: settings.saveModels,
      trainSize: setup.data.train.size,
      cost: costSettings(setup, p.backend),
      data: setup.dataOptions,
      dataFingerprint: dataFingerprint(setup.data),
      search: setup.search,
      scheduler: setup.scheduler,
      meta: sweepMeta(p),
    });
    return { outcome, received: signals.received ?? null };
  } finally {
    await executor.close();
    display.stop();
    signals.dispose();
  }
}

/** The comparison table, the winner, the lesson check and where the files are; the exit code. */
function printOutcome({ settings, store }: TrainPlan, outcome: SweepOutcome, received: string | null): number {
  const { results } = outcome;
  const terminal = process.stdout.isTTY === true;
  const width = terminal ? (process.stdout.columns ?? 80) : 80;
  // Prose is broken at spaces on a terminal (which would break it mid-word); pipes get whole lines.
  const prose = (text: string, indent = '  ') => (terminal ? wrapWords(text, width, indent) : text);
  process.stdout.write(`\n${formatTable(results.comparison, width)}\n\n${prose(winnerLine(results.winner))}\n`);
  if (results.search?.asha) process.stdout.write(`${prose(ashaSummary(results.search, outcome.runs))}\n`);
  const check = lessonCheck(outcome.runs);
  if (check.length > 0)
    process.stdout.write(`\nAgainst the lesson (Keras):\n${check.map((l) => prose(`  ${l}`, '    ')).join('\n')}\n`);
  process.stdout.write(
    `${prose(
      `Sweep ${ending(results.sweep.status, outcome.runs)} in ${formatDuration(results.sweep.wallSeconds)} (${Math.round(results.sweep.samplesPerSecond)} training samples/s). ` +
        `Results: ${store.dir}/results.json, results.csv, history.csv, report.html`,
    )}\n`,
  );
  if (outcome.interrupted) {
    const masked = settings.queue?.address.password !== undefined ? ' (with the --queue password, masked here)' : '';
    process.stdout.write(`Interrupted: continue with  ${resumeCommand(settings, store.dir)}${masked}\n`);
    return received === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  }
  return outcome.runs.some((r) => !isSettled(r)) ? EXIT.failedRuns : EXIT.ok;
}

/** "finished", "interrupted", or — as the report's headline — not "finished" when a run failed. */
function ending(status: string, runs: RunResult[]): string {
  const failed = runs.filter((r) => r.status === 'failed').length;
  return status === 'finished' && failed > 0 ? `ended with ${failed} failed run${failed === 1 ? '' : 's'}` : status;
}
