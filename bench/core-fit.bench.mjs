// Single-thread training speed: @fnn/core's model.fit against tfjs-layers' model.fit
// (`@tensorflow/tfjs`, tf.sequential), same backend, same models, same data, batch 128.
// Usage: node bench/core-fit.bench.mjs [--steps N] [--warmup N] [--rounds N] [--backend wasm|cpu] [--models wide,wide-deep]
import { createRequire } from 'node:module';
import os from 'node:os';
import { parseArgs } from 'node:util';

const require = createRequire(new URL('../packages/core/package.json', import.meta.url));
const fnn = await import('../packages/core/dist/index.js');
const tfjs = await import(require.resolve('@tensorflow/tfjs'));
const { tf } = fnn;
const { MODELS, fnnModel, syntheticData } = await import('./lesson-models.mjs');

const { values: options } = parseArgs({
  options: {
    steps: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
    backend: { type: 'string', default: 'wasm' },
    models: { type: 'string', default: 'wide,wide-deep' },
    batch: { type: 'string', default: '128' },
    rounds: { type: 'string', default: '3' },
  },
});
const STEPS = Number(options.steps);
const WARMUP = Number(options.warmup);
const BATCH = Number(options.batch);
await fnn.setBackend(options.backend, { quiet: true });

function tfjsModel(hidden) {
  const model = tfjs.sequential();
  hidden.forEach(([units, rate], i) => {
    model.add(tfjs.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
    if (rate > 0) model.add(tfjs.layers.dropout({ rate }));
  });
  model.add(tfjs.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({
    optimizer: tfjs.train.adam(0.001, 0.9, 0.999, 1e-7),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

/** Fits `steps` batches (one epoch) and returns samples per second of wall time. */
async function timedFit(model, data, steps, fitArgs) {
  const x = tf.slice(data.x, 0, steps * BATCH);
  const y = tf.slice(data.y, 0, steps * BATCH);
  const start = performance.now();
  await model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0, ...fitArgs });
  const seconds = (performance.now() - start) / 1000;
  tf.dispose([x, y]);
  return (steps * BATCH) / seconds;
}

// The machine is shared: the two libraries run alternately, ROUNDS times, and each keeps its
// best round, so a burst of load elsewhere does not decide the ratio.
const ROUNDS = Number(options.rounds);
const THEIR_STEPS = Math.max(10, Math.round(STEPS / 4));
const rows = [];
for (const name of options.models.split(',')) {
  const hidden = MODELS[name];
  const data = syntheticData(tf, Math.max(STEPS, WARMUP) * BATCH);
  const ours = fnnModel(fnn, hidden);
  const theirs = tfjsModel(hidden);
  await timedFit(ours, data, WARMUP, { seed: 1 });
  await timedFit(theirs, data, Math.min(WARMUP, 10), {});
  let oursSps = 0;
  let theirSps = 0;
  for (let round = 0; round < ROUNDS; round++) {
    oursSps = Math.max(oursSps, await timedFit(ours, data, STEPS, { seed: round }));
    // tfjs-layers is several times slower: fewer steps keep the bench short (the rate is per step).
    theirSps = Math.max(theirSps, await timedFit(theirs, data, THEIR_STEPS, {}));
  }
  rows.push({ model: name, params: ours.countParams(), oursSps, theirSps });
  ours.dispose();
  theirs.dispose();
  tf.dispose([data.x, data.y]);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `\n@fnn/core fit vs tfjs-layers fit — backend ${tf.getBackend()}, batch ${BATCH}, 1 thread, Adam, best of ${ROUNDS} alternating rounds of ${STEPS} steps (tfjs-layers ${THEIR_STEPS}) after ${WARMUP} warm-up steps`,
);
console.log(`${cpu}, ${os.cpus().length} cores, Node ${process.versions.node}`);
const header = ['model', 'params', '@fnn/core samples/s', 'tfjs-layers samples/s', 'ratio'];
const table = rows.map((r) => [
  r.model,
  r.params.toLocaleString('en-US'),
  r.oursSps.toFixed(0),
  r.theirSps.toFixed(0),
  `${(r.oursSps / r.theirSps).toFixed(2)}x`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) =>
  `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of table) console.log(line(row));
