// Full grid against ASHA over the same 27 configurations (apps/sweep/examples/space-27.json:
// units {50, 250, 500} × depth {1, 3, 5} × dropout {0, 0.2, 0.5}, 9 epochs each, real MNIST), in
// one run: epochs trained, wall time and the best validation accuracy side by side.
// Targets (issue 14): ASHA's best within 0.2 points of the grid's best, with at most 1/3 of the
// grid's epochs and at most 40 % of its wall time.
//
// Both modes use the sweep's default plan (2 runs × 1 worker on 2 cores, elastic growth); the grid
// starts longest first, ASHA in the seeded order fnn-sweep gives a grid under ASHA (r = 1, η = 3,
// R = 9: rungs at epochs 1 and 3).
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
    `wall time ${(100 * wallShare).toFixed(1)} % (target ≤ 40 %: ${verdict(wallShare <= 0.4)})`,
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
