// @fnn/data benchmark: cold MNIST load time and batch-gathering throughput.
// Run after a build: `cd packages/data && npx tsc -p tsconfig.json && node bench/data.bench.mjs`.
// Prints a table; `--json` prints the figures as JSON instead (for the root bench runner).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
if (!existsSync(entry)) {
  console.error(`bench/data.bench.mjs: ${entry} is missing; build first (npx tsc -p packages/data/tsconfig.json).`);
  process.exit(1);
}
const { loadMnist } = await import(entry);

const BATCH = 128;
// Fastest single-core training speed on this machine (NOTES.md: PyTorch + OpenBLAS, 784-250-10):
// issue 4 asks batching to be at least 20x faster than training ever is.
const FASTEST_TRAINING = 36_700;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Cold load: the first loadMnist() of a fresh process (import excluded).
const coldLoad = (storage) => {
  const script = `const { loadMnist } = await import(${JSON.stringify(entry)});
const t = performance.now(); loadMnist({ storage: '${storage}' }); console.log(performance.now() - t);`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
};
const cold = [coldLoad('uint8'), coldLoad('uint8'), coldLoad('uint8')];
const coldFloat = coldLoad('float32');

const t0 = performance.now();
const { train } = loadMnist();
const warm = performance.now() - t0;

// The same 55,000 images stored as float32, to compare the two storages.
const asFloats = loadMnist({ storage: 'float32' }).train;

/** Samples/s of gathering one epoch in shuffled batches of 128 into reused Float32 buffers; best of `epochs`. */
function throughput(ds, epochs) {
  const x = new Float32Array(BATCH * ds.featureSize);
  const y = new Float32Array(BATCH * ds.labelSize);
  let best = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = ds.shuffle(1, epoch); // outside the timing: once per epoch, not per step
    const start = performance.now();
    let n = 0;
    for (const batch of ds.batches(BATCH, order)) n += ds.gatherInto(batch, x, y);
    best = Math.max(best, n / ((performance.now() - start) / 1000));
  }
  return best;
}
throughput(train, 2); // warm-up (JIT)
const bytesRate = throughput(train, 8);
throughput(asFloats, 2);
const floatRate = throughput(asFloats, 8);
const shuffleStart = performance.now();
for (let e = 0; e < 10; e++) train.shuffle(1, e);
const shuffleMs = (performance.now() - shuffleStart) / 10;

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
const result = {
  machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.versions.node}`,
  coldLoadMs: median(cold),
  coldLoadRunsMs: cold.map((c) => Math.round(c)),
  coldLoadFloat32Ms: coldFloat,
  warmLoadMs: warm,
  shuffleMs,
  loadAverage: os.loadavg()[0],
  gatherUint8SamplesPerSec: bytesRate,
  gatherFloat32SamplesPerSec: floatRate,
  ratioToFastestTraining: bytesRate / FASTEST_TRAINING,
};
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  console.log(`@fnn/data bench — ${result.machine}, load average ${result.loadAverage.toFixed(1)}\n`);
  console.table({
    'cold MNIST load (fresh process, median of 3)': {
      value: result.coldLoadMs.toFixed(0),
      unit: `ms (runs ${result.coldLoadRunsMs.join(', ')})`,
    },
    'second MNIST load in the same process': { value: warm.toFixed(0), unit: 'ms' },
    "cold MNIST load, storage 'float32'": { value: coldFloat.toFixed(0), unit: 'ms (one run)' },
    'shuffle 55,000 indices': { value: shuffleMs.toFixed(2), unit: 'ms per epoch' },
    'gather shuffled batches of 128, uint8 storage': {
      value: Math.round(bytesRate).toLocaleString('en'),
      unit: 'samples/s',
    },
    'gather shuffled batches of 128, float32 storage': {
      value: Math.round(floatRate).toLocaleString('en'),
      unit: 'samples/s',
    },
    'uint8 gather / fastest training (36.7k/s)': {
      value: result.ratioToFastestTraining.toFixed(1),
      unit: 'x (issue 4 asks >= 20)',
    },
  });
  console.log('\nMemory of the 70,000 MNIST images:');
  console.table({
    'uint8 (chosen)': { features: `${mib(70000 * 784)} MiB`, 'labels (one-hot float32)': `${mib(70000 * 40)} MiB` },
    float32: { features: `${mib(70000 * 784 * 4)} MiB`, 'labels (one-hot float32)': `${mib(70000 * 40)} MiB` },
  });
}
