// The lesson's default sweep (7 runs, real MNIST): wall time with the sweep's default plan (runs in
// parallel through @fnn/trainer, longest first) against the same runs one after another with
// single-thread model.fit in one process, and the sweep's total training samples/s.
// Target (issue 6): parallel ≥ 1.8× sequential on 2 cores.
//
// The full sweep trains 125 epochs of 55,000 images twice (minutes). Scale it down with
//   FNN_BENCH_EPOCH_SCALE=0.2 node bench/sweep.bench.mjs   (each run: max(1, round(epochs × 0.2)))
// FNN_BENCH_BACKEND picks the backend (default auto); FNN_BENCH_ONLY=wide,deep a subset of runs.
import * as harness from './sweep-harness.mjs';

const { sweep, requestedBackend: requested } = harness;
const { setBackend } = await import('../packages/core/dist/index.js');

const { runs, scale } = harness.lessonRuns();
const backend = await setBackend(requested, { quiet: true });
const data = sweep.loadSweepData({});
const { cores, plan } = harness.defaultPlan(runs.length);

async function measure({ label, concurrency, workersPerRun, createEngine, elastic }) {
  const { outcome, cpuSeconds, loadBefore } = await harness.measureSweep({
    prefix: 'fnn-sweep-bench-',
    executorFor: () => harness.localExecutor({ data, label, workersPerRun, elastic, createEngine }),
    runs,
    concurrency,
    trainSize: data.train.size,
    meta: { backend, cores, workersPerRun },
  });
  const failed = outcome.runs.filter((r) => r.status !== 'finished');
  if (failed.length > 0)
    throw new Error(`${label}: ${failed.map((r) => `${r.id} ${r.status}: ${r.error}`).join('; ')}`);
  return { ...outcome.results, cpuSeconds, loadBefore };
}

console.log(
  `sweep bench: ${runs.length} runs (${runs.map((r) => `${r.id} ${r.epochs}`).join(', ')} epochs), epoch scale ${scale}`,
);
console.log(harness.machineLine(cores, backend, data));

const parallel = await measure({
  label: `parallel: ${plan.concurrency} runs × ${plan.workersPerRun} worker(s)`,
  concurrency: plan.concurrency,
  workersPerRun: plan.workersPerRun,
  createEngine: harness.trainerEngines(requested, backend),
  elastic: true,
});
const sequential = await measure({
  label: 'sequential: model.fit, one run at a time',
  concurrency: 1,
  workersPerRun: 1,
  createEngine: () => sweep.InProcessEngine.create(backend),
  elastic: false,
});

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
