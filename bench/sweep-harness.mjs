// What the sweep benches (sweep, queue, search) share: the settings they read from the
// environment, the lesson's runs, the sweep's default plan, and one sweep measured in a
// temporary folder with the CPU time it took and the load average before it.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

export const sweep = await import('../apps/sweep/dist/index.js');

/** FNN_BENCH_BACKEND: the backend to train on (default auto). */
export const requestedBackend = process.env.FNN_BENCH_BACKEND ?? 'auto';

/**
 * The lesson's default runs; FNN_BENCH_ONLY=wide,deep keeps some, FNN_BENCH_EPOCH_SCALE=0.2 gives
 * each max(1, round(epochs × 0.2)).
 */
export function lessonRuns() {
  const scale = Number(process.env.FNN_BENCH_EPOCH_SCALE ?? '1');
  if (!(scale > 0))
    throw new Error(`FNN_BENCH_EPOCH_SCALE: expected a positive number, but got ${process.env.FNN_BENCH_EPOCH_SCALE}.`);
  const only = process.env.FNN_BENCH_ONLY?.split(',');
  const runs = sweep
    .defaultRuns()
    .filter((r) => !only || only.includes(r.id))
    .map((r) => ({ ...r, epochs: Math.max(1, Math.round(r.epochs * scale)) }));
  return { runs, scale };
}

/** This machine's cores and the sweep's default plan for `runs` runs on them. */
export function defaultPlan(runs) {
  const cores = availableParallelism();
  return { cores, plan: sweep.planSlots({ cores, runs }) };
}

/** The line every sweep bench prints about the machine it ran on. */
export function machineLine(cores, backend, data) {
  return `machine: ${cores} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, backend ${backend}; train ${data.train.size} images`;
}

/** A display that shows nothing. */
export const silentDisplay = { runStarted() {}, update() {}, runEnded() {}, log() {}, stop() {} };

/** Runs train through the data-parallel trainer, `workers` threads each. */
export const trainerEngines = (requested, backend) => (workers, config) =>
  sweep.TrainerEngine.create(workers, requested, backend, config.batchNorm);

/** The sweep's local executor with no model files, as fnn-sweep's default plan runs it. */
export function localExecutor({ data, label, workersPerRun, elastic, createEngine }) {
  return new sweep.LocalExecutor({ data, saveModels: false, createEngine, workersPerRun, elastic, description: label });
}

/**
 * One sweep in a fresh temporary folder (removed afterwards, and the executor closed), with the
 * CPU time of this process (all its threads: with other processes on the machine the wall time
 * grows but this does not, so it tells contention from overhead) and the load average before it.
 * `executorFor(dir)` gives the executor; `options` go to runSweep.
 */
export async function measureSweep({ prefix, executorFor, ...options }) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const executor = await executorFor(dir);
  const cpu = process.cpuUsage();
  const loadBefore = loadavg()[0];
  try {
    const outcome = await sweep.runSweep({
      store: new sweep.ResultsStore(dir),
      executor,
      display: silentDisplay,
      signal: new AbortController().signal,
      resume: false,
      saveModels: false,
      writeReport: false,
      ...options,
    });
    const used = process.cpuUsage(cpu);
    return { outcome, cpuSeconds: (used.user + used.system) / 1e6, loadBefore };
  } finally {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A sweep as fnn-sweep's default plan runs it: in this process, `plan`'s runs × workers with
 * elastic growth, each run on the data-parallel trainer. `options` go to runSweep.
 */
export function measureDefaultSweep({ prefix, label, data, plan, backend, ...options }) {
  return measureSweep({
    prefix,
    executorFor: () =>
      localExecutor({
        data,
        label,
        workersPerRun: plan.workersPerRun,
        elastic: true,
        createEngine: trainerEngines(requestedBackend, backend),
      }),
    concurrency: plan.concurrency,
    trainSize: data.train.size,
    cost: sweep.costSettings({ data }, backend),
    meta: { backend, cores: availableParallelism(), workersPerRun: plan.workersPerRun },
    ...options,
  });
}
