#!/usr/bin/env node
import { availableParallelism, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { formatTable, lessonCheck, winnerLine } from './comparison.js';
import { ConfigError, errorMessage } from './errors.js';
import { commandLine, pathForCommand } from './invocation.js';
import { parseSettings, type Backend, type SweepSettings } from './options.js';
import { lockOutputFolder, type OutputLock } from './output-lock.js';
import { formatDuration, type ProgressDisplay } from './progress.js';
import { ResultsStore } from './results-store.js';
import { estimateCost, longestFirst, planSlots, type SlotPlan } from './schedule.js';
import { AshaScheduler } from './search/asha.js';
import { describeTrial } from './search/sample.js';
import { restoreAshaScheduler, searchRecord, type SearchPlan } from './search/search-plan.js';
import { dataFingerprint } from './queue/data-fingerprint.js';
import { ashaSummary } from './search/summary.js';
import { SIGNAL_EXIT_CODES, onStopSignals } from './signals.js';
import { backendSpeed } from './speed.js';
import type { Dashboard } from './serve/dashboard.js';
import type { SweepData } from './sweep-data.js';
import { isSettled, type RunExecutor, type RunResult } from './executor.js';

// TensorFlow.js, the trainer and vega load after the options are checked (dynamic imports
// below): --help, --version and a refused option answer without waiting for them.

/**
 * Exit codes: 0 all runs finished, 1 some run failed, 2 bad options, 130 interrupted (Ctrl-C)
 * and 143 terminated (SIGTERM), as shells report those signals.
 */
export const EXIT = {
  ok: 0,
  failedRuns: 1,
  usage: 2,
  interrupted: SIGNAL_EXIT_CODES.SIGINT,
  terminated: SIGNAL_EXIT_CODES.SIGTERM,
} as const;

/** Refuses the invocation: the message on stderr, exit code 2. */
function usageError(error: unknown): number {
  process.stderr.write(`fnn-sweep: ${errorMessage(error)}\n`);
  return EXIT.usage;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'worker') {
    const { workerMain } = await import('./queue/worker-cli.js');
    return workerMain(argv.slice(1));
  }
  let settings: SweepSettings;
  try {
    settings = parseSettings(argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return EXIT.ok;
    process.stderr.write(`fnn-sweep: ${errorMessage(error)}\nRun with --help for the options.\n`);
    return EXIT.usage;
  }

  const store = new ResultsStore(resolve(settings.outDir));
  let dataOptions = { dataDir: settings.dataDir, limitTrain: settings.limitTrain, limitEval: settings.limitEval };
  let runs = settings.runs;
  let search = settings.search;
  let scheduler: AshaScheduler | undefined;
  // --resume trains on the backend the sweep started on, unless --backend is given again.
  let backendRequest: string = settings.backend;
  let backendNote = '';
  const cores = availableParallelism();
  let slots: SlotPlan;
  let data: SweepData;
  try {
    if (settings.resume) {
      const plan = store.readPlan();
      runs = plan.runs;
      dataOptions = { dataDir: plan.dataDir, limitTrain: plan.limitTrain, limitEval: plan.limitEval };
      if (plan.backend !== undefined && !settings.backendGiven) {
        backendRequest = plan.backend;
        backendNote = ' (as the sweep started)';
      } else if (plan.backend !== undefined && plan.backend !== settings.backend) {
        backendNote = ` (--backend given; the sweep started on ${plan.backend})`;
      }
      search = plan.search ?? null;
      // The same trials (sweep.json) and the rung decisions made so far (asha.json).
      if (search?.asha) scheduler = restoreAshaScheduler(store.dir, search.asha);
    } else if (search?.asha) {
      scheduler = new AshaScheduler(search.asha);
    }
    slots = settings.inProcess
      ? { concurrency: 1, workersPerRun: 1 }
      : planSlots({
          cores,
          runs: runs.length,
          concurrency: settings.concurrency,
          workersPerRun: settings.workersPerRun,
          oversubscribe: settings.oversubscribe,
          totalMemory: totalmem(),
        });
    const { loadSweepData } = await import('./sweep-data.js');
    data = loadSweepData(dataOptions);
  } catch (error) {
    return usageError(error);
  }

  let backend: string;
  try {
    const { setBackend } = await import('@fnn/core');
    // One line of our own names the backend; setBackend's list of skipped ones stays quiet.
    backend = await setBackend(backendRequest as Backend, { quiet: true });
  } catch (error) {
    return usageError(error);
  }

  const speed = backendSpeed(backend);
  const costed = runs.map((config) => ({
    config,
    cost: estimateCost(config, data.train.size, data.inputSize, data.classes, speed),
  }));
  // With ASHA runs start in plan order (see runSweep).
  const order = scheduler ? costed : longestFirst(costed);
  const totalCost = order.reduce((a, r) => a + r.cost, 0);
  const mode = settings.queue
    ? `every run queued for fnn-sweep workers on ${settings.queue.address.display}`
    : settings.inProcess
      ? 'one run at a time with model.fit in this process'
      : `${slots.concurrency} run(s) at once × ${slots.workersPerRun} worker(s) each on ${cores} cores`;
  if (settings.dryRun) {
    const how = scheduler
      ? 'plan order, estimated single-core time if never stopped'
      : 'longest first, estimated single-core time';
    process.stdout.write(`${runs.length} runs, ${mode}; start order (${how} on ${backend}):\n`);
    for (const { config, cost } of order)
      process.stdout.write(
        `  ${config.id.padEnd(24)} ${String(config.epochs).padStart(3)} epochs  ~${formatDuration(cost)}` +
          `${search?.strategy === 'random' ? `  ${describeTrial(config)}` : ''}\n`,
      );
    if (scheduler) {
      const { gracePeriod, reductionFactor, metric, mode: better } = scheduler.settings;
      process.stdout.write(
        `ASHA: rungs at epoch ${scheduler.rungs.join(', ')} (r = ${gracePeriod}, η = ${reductionFactor}); a run goes on at a rung only if its ${metric} (${better}) is in the top 1/${reductionFactor} there.\n`,
      );
    }
    return EXIT.ok;
  }

  let lock: OutputLock;
  try {
    lock = lockOutputFolder(store.dir, settings.resume ? '--resume' : '--out');
  } catch (error) {
    return usageError(error);
  }
  let dashboard: Dashboard | null = null;
  try {
    if (settings.serve) {
      // Listening first: a port in use is refused before anything is written or trained.
      const { startDashboard } = await import('./serve/dashboard.js');
      dashboard = await startDashboard(settings.serve, (line) => process.stderr.write(`${line}\n`));
    }
    return await train({
      settings,
      store,
      runs,
      dataOptions,
      data,
      backendRequest,
      backend,
      backendNote,
      slots,
      cores,
      mode,
      order,
      search,
      scheduler,
      dashboard,
    });
  } catch (error) {
    // A run file of the folder that is not a valid record (read on resume) is bad input too.
    if (error instanceof ConfigError) return usageError(error);
    throw error;
  } finally {
    await dashboard?.close();
    lock.release();
  }
}

interface TrainPlan {
  settings: SweepSettings;
  store: ResultsStore;
  runs: SweepSettings['runs'];
  dataOptions: { dataDir: string | null; limitTrain: number | null; limitEval: number | null };
  data: SweepData;
  /** What was asked ('auto' included): the workers resolve it themselves. */
  backendRequest: string;
  /** What this process resolved it to. */
  backend: string;
  backendNote: string;
  slots: SlotPlan;
  cores: number;
  mode: string;
  order: { config: SweepSettings['runs'][number]; cost: number }[];
  /** How the runs were chosen, and ASHA deciding at epoch ends (--scheduler asha). */
  search: SearchPlan | null;
  scheduler: AshaScheduler | undefined;
  /** --serve: the live page, fed from the progress display. */
  dashboard: Dashboard | null;
}

async function train(p: TrainPlan): Promise<number> {
  const { settings, store, runs, data, backend, slots, cores, mode } = p;
  if (!settings.resume) {
    store.writePlan({
      version: 1,
      createdAt: new Date().toISOString(),
      runs,
      ...p.dataOptions,
      backend,
      search: p.search,
    });
  }
  const totalCost = p.order.reduce((a, r) => a + r.cost, 0);
  const [{ InProcessEngine, TrainerEngine }, { LocalExecutor }, { PlainProgress, TerminalProgress }, { runSweep }] =
    await Promise.all([
      import('./engines.js'),
      import('./local-executor.js'),
      import('./progress.js'),
      import('./sweep.js'),
    ]);
  // What earlier attempts recorded (--resume): the queue skips finished jobs, the page shows them.
  const previous = settings.resume ? store.readRuns(runs.map((r) => r.id)) : new Map<string, RunResult>();
  const interactive = process.stderr.isTTY === true && !process.env.CI;
  const terminal: ProgressDisplay = interactive
    ? new TerminalProgress(
        runs.length,
        totalCost,
        runs.map((r) => r.id),
      )
    : new PlainProgress(runs.length, totalCost);
  // With --queue every run is enqueued at once; the workers decide how many train together.
  const concurrency = settings.queue ? runs.length : slots.concurrency;
  const meta = {
    backend,
    cores,
    workersPerRun: slots.workersPerRun,
    data: `${data.source}: train ${data.train.size}, validation ${data.validation.size}, test ${data.test.size}`,
  };
  const display = p.dashboard
    ? p.dashboard.watch(terminal, {
        runs,
        meta: { ...meta, concurrency },
        trainSize: data.train.size,
        previous,
        search: p.search ? () => searchRecord(p.search!, p.scheduler) : undefined,
      })
    : terminal;
  display.log(`fnn-sweep: ${runs.length} runs, backend ${backend}${p.backendNote}, ${mode}`);
  display.log(
    `fnn-sweep: data ${data.source} (train ${data.train.size}, validation ${data.validation.size}, test ${data.test.size})`,
  );
  display.log(`fnn-sweep: writing to ${store.dir}`);

  let executor: RunExecutor;
  if (settings.queue) {
    try {
      const { connectCoordinator } = await import('./queue/coordinator.js');
      executor = await connectCoordinator({
        queue: settings.queue,
        outDir: store.dir,
        runs,
        data,
        ...p.dataOptions,
        recorded: [...previous.values()].filter((r) => r.status === 'finished').map((r) => r.id),
        log: (line) => display.log(line),
      });
    } catch (error) {
      display.stop();
      return usageError(error);
    }
  } else
    executor = new LocalExecutor({
      data,
      saveModels: settings.saveModels,
      description: mode,
      workersPerRun: slots.workersPerRun,
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
        : (workers, config) => TrainerEngine.create(workers, p.backendRequest, backend, config.batchNorm),
    });

  const controller = new AbortController();
  const signals = onStopSignals((signal) => {
    const what = signal === 'SIGINT' ? 'interrupted' : 'terminated (SIGTERM)';
    display.log(
      `fnn-sweep: ${what} — stopping the running runs and writing what finished (Ctrl-C again to quit at once)`,
    );
    controller.abort();
  });

  let outcome;
  try {
    outcome = await runSweep({
      runs,
      store,
      executor,
      concurrency,
      display,
      signal: controller.signal,
      resume: settings.resume,
      saveModels: settings.saveModels,
      trainSize: data.train.size,
      data: p.dataOptions,
      dataFingerprint: dataFingerprint(data),
      search: p.search,
      scheduler: p.scheduler,
      meta,
    });
  } finally {
    await executor.close();
    display.stop();
    signals.dispose();
  }
  await p.dashboard?.close(outcome.results);

  const { results } = outcome;
  const width = process.stdout.isTTY ? (process.stdout.columns ?? 80) : 80;
  process.stdout.write(`\n${formatTable(results.comparison, width)}\n\n${winnerLine(results.winner)}\n`);
  if (results.search?.asha) process.stdout.write(`${ashaSummary(results.search, outcome.runs)}\n`);
  const check = lessonCheck(outcome.runs);
  if (check.length > 0)
    process.stdout.write(`\nAgainst the lesson (Keras):\n${check.map((l) => `  ${l}`).join('\n')}\n`);
  process.stdout.write(
    `Sweep ${results.sweep.status} in ${formatDuration(results.sweep.wallSeconds)} (${Math.round(results.sweep.samplesPerSecond)} training samples/s). ` +
      `Results: ${store.dir}/results.json, results.csv, report.html\n`,
  );
  if (outcome.interrupted) {
    const queue = settings.queue ? ['--queue', settings.queue.address.display] : [];
    process.stdout.write(
      `Interrupted: continue with  ${commandLine(['--resume', pathForCommand(store.dir), ...queue])}\n`,
    );
    return signals.received === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  }
  return outcome.runs.some((r) => !isSettled(r)) ? EXIT.failedRuns : EXIT.ok;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; should a library keep a handle open, do not hang on it.
    setTimeout(() => process.exit(code), 3000).unref();
  },
  (error) => {
    process.stderr.write(
      `fnn-sweep: ${error instanceof ConfigError ? error.message : ((error as Error)?.stack ?? String(error))}\n`,
    );
    process.exitCode = 1;
  },
);
