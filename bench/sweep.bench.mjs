// The lesson's default sweep (7 runs, real MNIST): wall time with the sweep's default plan (runs in
// parallel through @fnn/trainer, longest first) against the same runs one after another with
// single-thread model.fit in one process, and the sweep's total training samples/s.
// Target (issue 6): parallel ≥ 1.8× sequential on 2 cores.
//
// The full sweep trains 125 epochs of 55,000 images twice (minutes). Scale it down with
//   FNN_BENCH_EPOCH_SCALE=0.2 node bench/sweep.bench.mjs   (each run: max(1, round(epochs × 0.2)))
// FNN_BENCH_BACKEND picks the backend (default auto); FNN_BENCH_ONLY=wide,deep a subset of runs.
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const sweep = await import('../apps/sweep/dist/index.js');
const { setBackend } = await import('../packages/core/dist/index.js');

const scale = Number(process.env.FNN_BENCH_EPOCH_SCALE ?? '1');
if (!(scale > 0))
  throw new Error(`FNN_BENCH_EPOCH_SCALE: expected a positive number, but got ${process.env.FNN_BENCH_EPOCH_SCALE}.`);
const requested = process.env.FNN_BENCH_BACKEND ?? 'auto';
const only = process.env.FNN_BENCH_ONLY?.split(',');

const backend = await setBackend(requested, { quiet: true });
const data = sweep.loadSweepData({});
const runs = sweep
  .defaultRuns()
  .filter((r) => !only || only.includes(r.id))
  .map((r) => ({ ...r, epochs: Math.max(1, Math.round(r.epochs * scale)) }));
const cores = availableParallelism();
const plan = sweep.planSlots({ cores, runs: runs.length });
const silent = { runStarted() {}, update() {}, runEnded() {}, log() {}, stop() {} };

async function measure(label, concurrency, workersPerRun, createEngine, elastic) {
  const dir = mkdtempSync(join(tmpdir(), 'fnn-sweep-bench-'));
  const executor = new sweep.LocalExecutor({
    data,
    saveModels: false,
    createEngine,
    workersPerRun,
    elastic,
    description: label,
  });
  const cpu = process.cpuUsage();
  const load = loadavg()[0];
  try {
    const outcome = await sweep.runSweep({
      runs,
      store: new sweep.ResultsStore(dir),
      executor,
      concurrency,
      display: silent,
      signal: new AbortController().signal,
      resume: false,
      saveModels: false,
      trainSize: data.train.size,
      writeReport: false,
      meta: { backend, cores, workersPerRun },
    });
    const failed = outcome.runs.filter((r) => r.status !== 'finished');
    if (failed.length > 0)
      throw new Error(`${label}: ${failed.map((r) => `${r.id} ${r.status}: ${r.error}`).join('; ')}`);
    const used = process.cpuUsage(cpu);
    // CPU time of this process (all its threads): with other processes on the machine the wall
    // time grows but this does not, so it tells contention from overhead.
    return { ...outcome.results, cpuSeconds: (used.user + used.system) / 1e6, loadBefore: load };
  } finally {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `sweep bench: ${runs.length} runs (${runs.map((r) => `${r.id} ${r.epochs}`).join(', ')} epochs), epoch scale ${scale}`,
);
console.log(
  `machine: ${cores} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, backend ${backend}; train ${data.train.size} images`,
);

const parallel = await measure(
  `parallel: ${plan.concurrency} runs × ${plan.workersPerRun} worker(s)`,
  plan.concurrency,
  plan.workersPerRun,
  (workers, config) => sweep.TrainerEngine.create(workers, requested, backend, config.batchNorm),
  true,
);
const sequential = await measure(
  'sequential: model.fit, one run at a time',
  1,
  1,
  () => sweep.InProcessEngine.create(backend),
  false,
);

const rows = [
  [`sweep default (${plan.concurrency} runs × ${plan.workersPerRun} worker)`, parallel.sweep],
  ['one after another, model.fit in-process', sequential.sweep],
];
const rows2 = [parallel, sequential];
console.log('\nmode                                          wall s   samples/s   CPU s  cores busy  load before');
rows.forEach(([label, s], i) => {
  const r = rows2[i];
  console.log(
    `${label.padEnd(44)} ${s.wallSeconds.toFixed(1).padStart(7)} ${Math.round(s.samplesPerSecond).toString().padStart(11)} ${r.cpuSeconds.toFixed(1).padStart(7)} ${(r.cpuSeconds / s.wallSeconds).toFixed(2).padStart(11)} ${r.loadBefore.toFixed(2).padStart(12)}`,
  );
});
const speedup = sequential.sweep.wallSeconds / parallel.sweep.wallSeconds;
console.log(`speed-up: ${speedup.toFixed(2)}× (target ≥ 1.8× on 2 cores)`);

console.log(
  '\nrun               epochs  workers   s (parallel)  s (sequential)  val acc % (parallel)  val acc % (sequential)  test acc % (parallel)',
);
parallel.runs.forEach((r, i) => {
  const s = sequential.runs[i];
  console.log(
    `${r.id.padEnd(17)} ${String(r.config.epochs).padStart(6)}  ${[...new Set(r.history.workers)].join('→').padStart(7)}  ${r.timing.wallSeconds.toFixed(1).padStart(13)}  ${s.timing.wallSeconds.toFixed(1).padStart(14)}  ` +
      `${(r.final.valAccuracy * 100).toFixed(2).padStart(20)}  ${(s.final.valAccuracy * 100).toFixed(2).padStart(22)}  ${(r.final.testAccuracy * 100).toFixed(2).padStart(21)}`,
  );
});
console.log(`\n${sweep.winnerLine(parallel.winner)}`);
