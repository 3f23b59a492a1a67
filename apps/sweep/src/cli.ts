#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { setBackend } from '@fnn/core';
import { formatTable, lessonCheck, winnerLine } from './comparison.js';
import { InProcessEngine, TrainerEngine } from './engines.js';
import { ConfigError, errorMessage } from './errors.js';
import { LocalExecutor } from './local-executor.js';
import { parseSettings, type SweepSettings } from './options.js';
import { PlainProgress, TerminalProgress, formatDuration, type ProgressDisplay } from './progress.js';
import { ResultsStore } from './results-store.js';
import { estimateCost, longestFirst, planSlots } from './schedule.js';
import { runSweep } from './sweep.js';
import { loadSweepData } from './sweep-data.js';
import { connectCoordinator } from './queue/coordinator.js';
import { workerMain } from './queue/worker-cli.js';
import type { RunExecutor } from './executor.js';

/** Exit codes: 0 all runs finished, 1 some run failed, 2 bad options, 130 interrupted (as shells report SIGINT). */
export const EXIT = { ok: 0, failedRuns: 1, usage: 2, interrupted: 130 } as const;

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'worker') return workerMain(argv.slice(1));
  let settings: SweepSettings;
  try {
    settings = parseSettings(argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return EXIT.ok;
    process.stderr.write(`fnn-sweep: ${errorMessage(error)}\nRun fnn-sweep --help for the options.\n`);
    return EXIT.usage;
  }

  const store = new ResultsStore(resolve(settings.outDir));
  let dataOptions = { dataDir: settings.dataDir, limitTrain: settings.limitTrain, limitEval: settings.limitEval };
  let runs = settings.runs;
  try {
    if (settings.resume) {
      const plan = store.readPlan();
      runs = plan.runs;
      dataOptions = { dataDir: plan.dataDir, limitTrain: plan.limitTrain, limitEval: plan.limitEval };
    }
  } catch (error) {
    process.stderr.write(`fnn-sweep: ${errorMessage(error)}\n`);
    return EXIT.usage;
  }

  const cores = availableParallelism();
  let slots;
  try {
    slots = settings.inProcess
      ? { concurrency: 1, workersPerRun: 1 }
      : planSlots({
          cores,
          runs: runs.length,
          concurrency: settings.concurrency,
          workersPerRun: settings.workersPerRun,
          oversubscribe: settings.oversubscribe,
        });
  } catch (error) {
    process.stderr.write(`fnn-sweep: ${errorMessage(error)}\n`);
    return EXIT.usage;
  }

  const data = (() => {
    try {
      return loadSweepData(dataOptions);
    } catch (error) {
      process.stderr.write(`fnn-sweep: ${errorMessage(error)}\n`);
      return null;
    }
  })();
  if (!data) return EXIT.usage;

  const order = longestFirst(
    runs.map((config) => ({ config, cost: estimateCost(config, data.train.size, data.inputSize, data.classes) })),
  );
  const totalCost = order.reduce((a, r) => a + r.cost, 0);
  const mode = settings.queue
    ? `every run queued for fnn-sweep workers on ${settings.queue.address.display}`
    : settings.inProcess
      ? 'one run at a time with model.fit in this process'
      : `${slots.concurrency} run(s) at once × ${slots.workersPerRun} worker(s) each on ${cores} cores`;
  if (settings.dryRun) {
    process.stdout.write(`${runs.length} runs, ${mode}; start order (longest first, estimated single-core time):\n`);
    for (const { config, cost } of order)
      process.stdout.write(
        `  ${config.id.padEnd(24)} ${String(config.epochs).padStart(3)} epochs  ~${formatDuration(cost)}\n`,
      );
    return EXIT.ok;
  }

  let backend: string;
  try {
    backend = await setBackend(settings.backend);
  } catch (error) {
    process.stderr.write(`fnn-sweep: ${errorMessage(error)}\n`);
    return EXIT.usage;
  }

  if (!settings.resume) {
    store.writePlan({ version: 1, createdAt: new Date().toISOString(), runs, ...dataOptions });
  }
  const interactive = process.stderr.isTTY === true && !process.env.CI;
  const display: ProgressDisplay = interactive
    ? new TerminalProgress(
        runs.length,
        totalCost,
        slots.concurrency,
        runs.map((r) => r.id),
      )
    : new PlainProgress(runs.length, totalCost, slots.concurrency);
  display.log(
    `fnn-sweep: ${runs.length} runs on ${data.source} (train ${data.train.size}, validation ${data.validation.size}, test ${data.test.size}), backend ${backend}, ${mode}`,
  );
  display.log(`fnn-sweep: writing to ${store.dir}`);

  // With --queue every run is enqueued at once; the workers decide how many train together.
  const concurrency = settings.queue ? runs.length : slots.concurrency;
  let executor: RunExecutor;
  if (settings.queue) {
    try {
      executor = await connectCoordinator({
        queue: settings.queue,
        outDir: store.dir,
        runs,
        data,
        ...dataOptions,
        recorded: settings.resume
          ? [...store.readRuns().values()].filter((r) => r.status === 'finished').map((r) => r.id)
          : [],
        log: (line) => display.log(line),
      });
    } catch (error) {
      display.stop();
      process.stderr.write(`fnn-sweep: ${errorMessage(error)}\n`);
      return EXIT.usage;
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
      // loads in a thread); batch-norm models on several workers keep whole-batch statistics.
      createEngine: settings.inProcess
        ? () => InProcessEngine.create(backend)
        : (workers, config) => TrainerEngine.create(workers, settings.backend, backend, config.batchNorm),
    });

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      display.log(
        'fnn-sweep: interrupted — stopping the running runs and writing what finished (Ctrl-C again to quit at once)',
      );
      controller.abort();
    } else {
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSigint);

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
      meta: {
        backend,
        cores,
        workersPerRun: slots.workersPerRun,
        data: `${data.source}: train ${data.train.size}, validation ${data.validation.size}, test ${data.test.size}`,
      },
    });
  } finally {
    await executor.close();
    display.stop();
    process.off('SIGINT', onSigint);
  }

  const { results } = outcome;
  process.stdout.write(`\n${formatTable(results.comparison)}\n\n${winnerLine(results.winner)}\n`);
  const check = lessonCheck(outcome.runs);
  if (check.length > 0)
    process.stdout.write(`\nAgainst the lesson (Keras):\n${check.map((l) => `  ${l}`).join('\n')}\n`);
  process.stdout.write(
    `Sweep ${results.sweep.status} in ${formatDuration(results.sweep.wallSeconds)} (${Math.round(results.sweep.samplesPerSecond)} training samples/s). ` +
      `Results: ${store.dir}/results.json, results.csv, report.html\n`,
  );
  if (outcome.interrupted) {
    process.stdout.write(`Interrupted: continue with  fnn-sweep --resume ${store.dir}\n`);
    return EXIT.interrupted;
  }
  return outcome.runs.some((r) => r.status !== 'finished') ? EXIT.failedRuns : EXIT.ok;
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
