// Full grid against ASHA over the same 27 configurations (apps/sweep/examples/space-27.json:
// units {50, 250, 500} × depth {1, 3, 5} × dropout {0, 0.2, 0.5}, 9 epochs each, real MNIST), in
// one run: epochs trained, wall time and the best validation accuracy side by side.
// Targets (issue 14): ASHA's best within 0.2 points of the grid's best, with at most 1/3 of the
// grid's epochs and at most 40 % of its wall time.
//
// Both modes use the sweep's default plan (2 runs × 1 worker on 2 cores, elastic growth); the grid
// starts longest first, ASHA in the seeded order fnn-sweep gives a grid under ASHA (r = 1, η = 3,
// R = 9: rungs at epochs 1 and 3; the promotion form, so at most 27 + 9·2 + 3·6 = 63 epochs).
// FNN_BENCH_LIMIT_TRAIN=n trains on the first n images (validation stays the 5,000 held out);
// FNN_BENCH_BACKEND picks the backend (default auto).
import { fileURLToPath } from 'node:url';
import * as harness from './sweep-harness.mjs';

const { sweep, requestedBackend: requested } = harness;
const { setBackend } = await import('../packages/core/dist/index.js');

const limit = process.env.FNN_BENCH_LIMIT_TRAIN;
const limitTrain = limit === undefined ? null : Number(limit);
if (limitTrain !== null && !(Number.isInteger(limitTrain) && limitTrain > 0))
  throw new Error(`FNN_BENCH_LIMIT_TRAIN: expected a positive integer, but got ${limit}.`);

const backend = await setBackend(requested, { quiet: true });
const data = sweep.loadSweepData({ limitTrain });
const spacePath = fileURLToPath(new URL('../apps/sweep/examples/space-27.json', import.meta.url));
const runs = sweep.spaceToGrid(sweep.loadSpace(spacePath), sweep.DEFAULT_SEED);
const asha = { maxEpochs: 9, gracePeriod: 1, reductionFactor: 3, metric: 'val_accuracy', mode: 'max' };
const { cores, plan } = harness.defaultPlan(runs.length);

async function measure(label, runs, scheduler) {
  const { outcome, cpuSeconds, loadBefore } = await harness.measureDefaultSweep({
    prefix: 'fnn-search-bench-',
    label,
    data,
    plan,
    backend,
    runs,
    search: { strategy: 'grid', trials: runs.length, seed: sweep.DEFAULT_SEED, asha: scheduler ? asha : null },
    scheduler,
  });
  const failed = outcome.runs.filter((r) => !sweep.isSettled(r));
  if (failed.length > 0)
    throw new Error(`${label}: ${failed.map((r) => `${r.id} ${r.status}: ${r.error}`).join('; ')}`);
  const finished = outcome.runs.filter((r) => r.status === 'finished');
  const best = finished.reduce((a, r) => (r.final.valAccuracy > a.final.valAccuracy ? r : a));
  return {
    label,
    results: outcome.results,
    epochs: outcome.runs.reduce((n, r) => n + r.history.loss.length, 0),
    wall: outcome.results.sweep.wallSeconds,
    best,
    stopped: outcome.runs.length - finished.length,
    cpuSeconds,
    loadBefore,
  };
}

console.log(
  `search bench: ${runs.length} configurations of ${spacePath.split('/').slice(-2).join('/')}, 9 epochs each, ` +
    `${plan.concurrency} runs × ${plan.workersPerRun} worker(s)`,
);
console.log(`${harness.machineLine(cores, backend, data)}, validation ${data.validation.size}`);

const grid = await measure('full grid (longest first)', runs, undefined);
// As fnn-sweep --scheduler asha does for a grid: the runs start in an order shuffled with the seed.
const ashaRun = await measure(
  'ASHA r=1 η=3 R=9 (seeded order)',
  sweep.ashaStartOrder(runs, sweep.DEFAULT_SEED),
  new sweep.AshaScheduler(asha),
);

console.log(
  '\nmode                              epochs  stopped   wall s   CPU s  load before  best val acc %  best run',
);
for (const m of [grid, ashaRun]) {
  console.log(
    `${m.label.padEnd(32)} ${String(m.epochs).padStart(7)} ${String(m.stopped).padStart(8)} ${m.wall.toFixed(1).padStart(8)} ${m.cpuSeconds.toFixed(1).padStart(7)} ${m.loadBefore.toFixed(2).padStart(12)} ${(m.best.final.valAccuracy * 100).toFixed(2).padStart(15)}  ${m.best.id}`,
  );
}
const points = (grid.best.final.valAccuracy - ashaRun.best.final.valAccuracy) * 100;
const epochShare = ashaRun.epochs / grid.epochs;
const wallShare = ashaRun.wall / grid.wall;
const verdict = (ok) => (ok ? 'met' : 'MISSED');
console.log(
  `\nASHA vs grid: best val accuracy ${points >= 0 ? `${points.toFixed(2)} points below` : `${(-points).toFixed(2)} points above`} (target ≤ 0.2: ${verdict(points <= 0.2)}); ` +
    `epochs ${(100 * epochShare).toFixed(1)} % (target ≤ 33.3 %: ${verdict(epochShare <= 1 / 3)}); ` +
    `wall time ${(100 * wallShare).toFixed(1)} % (target ≤ 40 %: ${verdict(wallShare <= 0.4)}); ` +
    // On a shared machine the two halves may run under different loads: CPU time is steadier.
    `CPU time ${((100 * ashaRun.cpuSeconds) / grid.cpuSeconds).toFixed(1)} %`,
);
console.log(`\n${sweep.ashaSummary(ashaRun.results.search, ashaRun.results.runs)}`);
const stopsAt = (rung) =>
  ashaRun.results.runs
    .filter((r) => r.stoppedBy?.rung === rung)
    .map((r) => r.id)
    .join(', ');
for (const rung of ashaRun.results.search.rungs) console.log(`  stopped at epoch ${rung}: ${stopsAt(rung) || 'none'}`);
console.log(
  `  went the distance: ${ashaRun.results.runs
    .filter((r) => r.status === 'finished')
    .map((r) => `${r.id} ${(r.final.valAccuracy * 100).toFixed(2)}`)
    .join(', ')}`,
);
console.log(
  `grid ranking (top 5 by val acc %): ${[...grid.results.runs]
    .sort((a, b) => b.final.valAccuracy - a.final.valAccuracy)
    .slice(0, 5)
    .map((r) => `${r.id} ${(r.final.valAccuracy * 100).toFixed(2)}`)
    .join(', ')}`,
);

// Where the time went, per run: wall time of the run (model build, fit start, epochs, checkpoints,
// test evaluation) against the sum of its epochs (training + validation); the rest is overhead.
const sumOf = (xs) => xs.reduce((a, b) => a + b, 0);
function perRunTable(m) {
  const sweepStart = Date.parse(m.results.sweep.startedAt);
  const rows = [...m.results.runs].sort((a, b) => Date.parse(a.timing.startedAt) - Date.parse(b.timing.startedAt));
  console.log(`\n${m.label}: per run (start order)`);
  console.log(
    'run               status    epochs  workers  start s   end s  wall s  epochs s  1st ep s  later ep s  other s',
  );
  for (const r of rows) {
    const h = r.history;
    const epochs = sumOf(h.seconds);
    const later = h.seconds.length > 1 ? sumOf(h.seconds.slice(1)) / (h.seconds.length - 1) : NaN;
    const start = (Date.parse(r.timing.startedAt) - sweepStart) / 1000;
    const end = (Date.parse(r.timing.finishedAt) - sweepStart) / 1000;
    console.log(
      `${r.id.padEnd(16)} ${r.status.padEnd(9)} ${String(h.loss.length).padStart(6)} ${[...new Set(h.workers)].join('/').padStart(8)} ` +
        `${start.toFixed(1).padStart(7)} ${end.toFixed(1).padStart(7)} ${r.timing.wallSeconds.toFixed(1).padStart(7)} ` +
        `${epochs.toFixed(1).padStart(9)} ${(h.seconds[0] ?? NaN).toFixed(2).padStart(9)} ${later.toFixed(2).padStart(11)} ` +
        `${(r.timing.wallSeconds - epochs).toFixed(2).padStart(8)}`,
    );
  }
  // Cores busy: a run holds its epoch's workers during each epoch and its first workers outside
  // epochs; the rest of cores × wall is idle.
  const busy = sumOf(
    rows.map(
      (r) =>
        sumOf(r.history.seconds.map((s, e) => s * r.history.workers[e])) +
        (r.timing.wallSeconds - sumOf(r.history.seconds)) * (r.history.workers[0] ?? 1),
    ),
  );
  const overhead = sumOf(rows.map((r) => r.timing.wallSeconds - sumOf(r.history.seconds)));
  const lastStart = Math.max(...rows.map((r) => (Date.parse(r.timing.startedAt) - sweepStart) / 1000));
  for (const r of rows.filter((r) => r.history.workers.some((w) => w !== r.history.workers[0]))) {
    const epochs = r.history.seconds.map((s, e) => `${s.toFixed(1)}×${r.history.workers[e]}`).join(' ');
    console.log(`  ${r.id} changed workers: epoch seconds × workers ${epochs}`);
  }
  console.log(
    `  worker-seconds ${busy.toFixed(1)} of ${(cores * m.wall).toFixed(1)} core-seconds (${((100 * busy) / (cores * m.wall)).toFixed(1)} % busy); ` +
      `outside epochs ${overhead.toFixed(1)} s over ${rows.length} runs; last run started at ${lastStart.toFixed(1)} s of ${m.wall.toFixed(1)} s`,
  );
}
perRunTable(grid);
perRunTable(ashaRun);

// Same config, same seed: ASHA's run must repeat the grid's history for the epochs both trained
// (unless one of them grew to more workers, which changes dropout masks and summation order).
const gridById = new Map(grid.results.runs.map((r) => [r.id, r]));
const mismatched = [];
for (const r of ashaRun.results.runs) {
  const g = gridById.get(r.id);
  const n = Math.min(r.history.loss.length, g.history.loss.length);
  const grew = [...r.history.workers.slice(0, n), ...g.history.workers.slice(0, n)].some((w) => w > plan.workersPerRun);
  const keys = ['loss', 'accuracy', 'val_loss', 'val_accuracy'];
  const diff = Math.max(...keys.flatMap((k) => r.history[k].slice(0, n).map((v, i) => Math.abs(v - g.history[k][i]))));
  if (diff > 0) mismatched.push(`${r.id} (max |Δ| ${diff.toExponential(2)} over ${n} epochs${grew ? ', grown' : ''})`);
}
console.log(
  `\nhistories, ASHA vs grid over the epochs both trained: ${mismatched.length === 0 ? 'identical for all runs' : `differ for ${mismatched.join(', ')}`}`,
);
// The machine is shared and the two halves may run under different loads: the epochs ASHA
// trained, timed at the grid's own epoch times, give the share of the work with one load for both.
const gridEpochSeconds = sumOf(grid.results.runs.map((r) => sumOf(r.history.seconds)));
const ashaAtGridTimes = sumOf(
  ashaRun.results.runs.map((r) => sumOf(gridById.get(r.id).history.seconds.slice(0, r.history.loss.length))),
);
console.log(
  `ASHA's epochs at the grid's epoch times: ${ashaAtGridTimes.toFixed(1)} s of ${gridEpochSeconds.toFixed(1)} s (${((100 * ashaAtGridTimes) / gridEpochSeconds).toFixed(1)} %)`,
);
const gridBest = grid.best;
const fate = ashaRun.results.search.decisions.filter((d) => d.trial === gridBest.id);
console.log(
  `grid's best ${gridBest.id} (${(gridBest.final.valAccuracy * 100).toFixed(2)} %) under ASHA: ${fate.map((d) => sweep.describeDecision(d)).join('; ') || 'no decision'}`,
);

// ASHA replayed on the grid's curves on one slot: get_job promotes a paused run (resumed where
// it paused) or starts the next in the seeded start order; what each setting would have picked and
// how much of the grid's epoch time it would have trained. This separates what the algorithm
// selects from how the sweep packs the runs on the cores.
function replay(settings) {
  const s = new sweep.AshaScheduler(settings);
  const fresh = sweep.ashaStartOrder(runs, sweep.DEFAULT_SEED).map((c) => c.id);
  const trainedTo = new Map();
  let seconds = 0;
  let epochs = 0;
  let best = null;
  for (let id = s.promote()?.trial ?? fresh.shift(); id !== undefined; id = s.promote()?.trial ?? fresh.shift()) {
    const h = gridById.get(id).history;
    for (let e = (trainedTo.get(id) ?? 0) + 1; e <= settings.maxEpochs; e++) {
      seconds += h.seconds[e - 1];
      epochs++;
      trainedTo.set(id, e);
      const d = s.onEpochEnd(id, e, { val_accuracy: h.val_accuracy[e - 1], val_loss: h.val_loss[e - 1] });
      if (d?.decision === 'pause') break;
      if (e === settings.maxEpochs && (best === null || h.val_accuracy[e - 1] > best.acc))
        best = { id, acc: h.val_accuracy[e - 1] };
    }
  }
  return { seconds, epochs, best };
}
console.log(
  `\nASHA replayed on the grid's curves (one slot, seeded order): epoch time vs the grid's ${gridEpochSeconds.toFixed(1)} s`,
);
for (const [what, settings] of [
  ['r=1 val_accuracy (bench)', asha],
  ['r=1 val_loss', { ...asha, metric: 'val_loss', mode: 'min' }],
  ['r=3 val_accuracy', { ...asha, gracePeriod: 3 }],
  ['r=3 val_loss', { ...asha, gracePeriod: 3, metric: 'val_loss', mode: 'min' }],
]) {
  const r = replay(settings);
  console.log(
    `  ${what.padEnd(26)} epochs ${String(r.epochs).padStart(3)} (${((100 * r.epochs) / grid.epochs).toFixed(1)} %), ` +
      `epoch time ${((100 * r.seconds) / gridEpochSeconds).toFixed(1)} %, best ${r.best.id} ${(r.best.acc * 100).toFixed(2)} %`,
  );
}
