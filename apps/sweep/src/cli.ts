#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { printDryRun } from './dry-run.js';
import { ConfigError, errorMessage } from './errors.js';
import { EXIT, usageError } from './exit-codes.js';
import { parseSettings, type Backend, type SweepSettings } from './options.js';
import { lockOutputFolder, type OutputLock } from './output-lock.js';
import { ResultsStore } from './results-store.js';
import { startOrder, type SlotPlan } from './schedule.js';
import type { Dashboard } from './serve/dashboard.js';
import { costSettings, prepareSweep, type SweepSetup } from './sweep-setup.js';

// TensorFlow.js, the trainer and vega load after the options are checked (dynamic imports
// below): --help, --version and a refused option answer without waiting for them.

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
  const cores = availableParallelism();
  let setup: SweepSetup;
  let backend: string;
  let order: Planned[];
  try {
    setup = await prepareSweep(settings, store, cores);
    const { setBackend } = await import('@fnn/core');
    // One line of our own names the backend; setBackend's list of skipped ones stays quiet.
    backend = await setBackend(setup.backendRequest as Backend, { quiet: true });
    // Costing checks conv runs against the data's image size: a refusal there is bad input too.
    order = plannedOrder(setup, backend);
  } catch (error) {
    return usageError(error);
  }
  const mode = describeMode(settings, setup.slots, cores);
  if (settings.dryRun) {
    printDryRun({ order, mode, backend, search: setup.search, scheduler: setup.scheduler });
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
    const { trainSweep } = await import('./train-sweep.js');
    return await trainSweep({ settings, store, setup, backend, cores, mode, order, dashboard });
  } catch (error) {
    // A run file of the folder that is not a valid record (read on resume) is bad input too.
    if (error instanceof ConfigError) return usageError(error);
    throw error;
  } finally {
    await dashboard?.close();
    lock.release();
  }
}

type Planned = { config: SweepSetup['runs'][number]; cost: number };

/** The runs in the order they start, each with its estimated single-core seconds on `backend`. */
function plannedOrder(setup: SweepSetup, backend: string): Planned[] {
  return startOrder(setup.runs, {
    trainSize: setup.data.train.size,
    asha: setup.scheduler !== undefined,
    cost: costSettings(setup, backend),
  });
}

/** How the runs share the machine (or the queue), for the log and the dry run. */
function describeMode(settings: SweepSettings, slots: SlotPlan, cores: number): string {
  if (settings.queue) return `every run queued for fnn-sweep workers on ${settings.queue.address.display}`;
  if (settings.inProcess) return 'one run at a time with model.fit in this process';
  return `${slots.concurrency} run(s) at once × ${slots.workersPerRun} worker(s) each on ${cores} cores`;
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
