// Data-parallel training speed: @fnn/trainer's DataParallelTrainer with 1…N workers (N = cores)
// against single-thread model.fit, on the lesson's `wide` and `wide-deep` models (and the Keras
// MNIST convnet with --models convnet) at batch 128,
// with the per-step synchronisation cost and the resident memory for 1 and N workers.
// Every configuration runs in its own child process (clean heap and RSS); configurations take
// turns for --rounds rounds and each keeps its best epoch, so load elsewhere on this shared
// machine does not decide the ratios.
// Usage: node bench/trainer.bench.mjs [--backend auto|native|wasm] [--steps 100] [--epochs 3] [--rounds 2] [--models wide,wide-deep,convnet] [--workers 1,2]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    steps: { type: 'string', default: '100' },
    epochs: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    models: { type: 'string', default: 'wide,wide-deep' },
    workers: { type: 'string', default: '' },
    backend: { type: 'string', default: 'auto' },
    child: { type: 'string' },
  },
});

const BATCH = 128;
/** MNIST-sized training set (55,000 × 784 float32 = 172 MB) in shared memory; each run trains on its first `steps` batches. */
const SAMPLES = 55000;
const { MODELS, fnnModel: buildModel } = await import('./lesson-models.mjs');

if (options.child !== undefined) {
  await runChild(JSON.parse(options.child));
} else {
  runParent();
}

function runParent() {
  const cores = os.availableParallelism();
  const workerCounts = options.workers
    ? options.workers.split(',').map(Number)
    : Array.from({ length: cores }, (_, i) => i + 1);
  const models = options.models.split(',');
  const configs = models.flatMap((model) => [
    { model, workers: 0 },
    ...workerCounts.map((workers) => ({ model, workers })),
  ]);
  const best = new Map();
  const ideal = new Map();
  for (let round = 0; round < Number(options.rounds); round++) {
    for (const model of models) {
      for (const workers of workerCounts.filter((n) => n > 1)) {
        const result = child({ ideal: true, model, workers, backend: options.backend });
        const key = `${model}/${workers}`;
        ideal.set(key, Math.max(ideal.get(key) ?? 0, result.ratio));
      }
    }
    for (const config of configs) {
      const result = child({
        ...config,
        steps: Number(options.steps),
        epochs: Number(options.epochs),
        backend: options.backend,
      });
      const key = `${config.model}/${config.workers}`;
      const previous = best.get(key);
      if (previous === undefined || result.samplesPerSecond > previous.samplesPerSecond) best.set(key, result);
    }
  }
  const backend = best.values().next().value?.backend;
  console.log(
    `\nDataParallelTrainer, batch ${BATCH}, ${options.steps} steps per epoch, best of ${options.epochs} epochs × ${options.rounds} rounds, backend ${backend} (--backend ${options.backend}), ${cores} cores (${os.cpus()[0]?.model ?? 'cpu'})`,
  );
  console.log('');
  console.log(
    '| model | trainer | samples/s | vs 1 worker | ideal | vs model.fit | compute ms/step | sync ms/step | apply ms/step | RSS MB |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const model of models) {
    const fit = best.get(`${model}/0`);
    const one = best.get(`${model}/1`);
    for (const workers of [0, ...workerCounts]) {
      const r = best.get(`${model}/${workers}`);
      const name = workers === 0 ? 'model.fit (1 thread)' : `${workers} worker${workers > 1 ? 's' : ''}`;
      const vsOne =
        workers === 0 || one === undefined ? '' : `${(r.samplesPerSecond / one.samplesPerSecond).toFixed(2)}×`;
      const vsFit = workers === 0 ? '' : `${(r.samplesPerSecond / fit.samplesPerSecond).toFixed(2)}×`;
      const t = r.timings;
      const ms = (v) => (t === undefined ? '' : v.toFixed(2));
      const idealRatio = workers > 1 ? `${ideal.get(`${model}/${workers}`).toFixed(2)}×` : '';
      console.log(
        `| ${model} | ${name} | ${Math.round(r.samplesPerSecond)} | ${vsOne} | ${idealRatio} | ${vsFit} | ${ms(t?.computeMs)} | ${ms(t === undefined ? 0 : t.exchangeMs + t.waitMs)} | ${ms(t?.applyMs)} | ${Math.round(r.rssMb)} |`,
      );
    }
  }
  console.log(
    `\nideal = what synchronous data parallelism could reach here: ${'N'} independent replicas, each stepping on batch ${BATCH}/N with no synchronisation at all, against one replica on batch ${BATCH} (slowest replica counts).`,
  );
  console.log(
    `sync = copying gradients to shared memory, averaging this worker's share of them, and waiting for the other workers' losses and gradients and at the step barrier (mean over workers); apply = its share of the optimizer update and loading the new weights.`,
  );
  console.log(
    `RSS: whole process after training, worker threads alive, with the ${SAMPLES}-sample float32 training set (${((SAMPLES * 784 * 4) / 2 ** 20).toFixed(0)} MB) loaded once in shared memory.`,
  );
}

function child(config) {
  const script = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, [script, '--child', JSON.stringify(config)], {
    encoding: 'utf8',
    env: { ...process.env, FNN_QUIET: '1' },
    maxBuffer: 1 << 24,
  });
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    throw new Error(
      `trainer bench: child ${JSON.stringify(config)} failed with ${result.signal ?? `exit code ${result.status}`}`,
    );
  }
  const line = result.stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

async function runChild(config) {
  const fnn = await import('../packages/core/dist/index.js');
  const backend = await fnn.setBackend(config.backend, { quiet: true });
  if (config.ideal) return console.log(JSON.stringify(await idealScaling(config)));
  const { Dataset } = await import('../packages/data/dist/index.js');
  const { DataParallelTrainer } = await import('../packages/trainer/dist/index.js');
  const { tf } = fnn;

  const data = syntheticMnist(Dataset);
  const train = data.slice(0, config.steps * BATCH);
  // Warm-up long enough for both JITs and the kernels' buffer pools to settle (~200 steps on native).
  const warmup = data.slice(0, 60 * BATCH);
  const model = buildModel(fnn, MODELS[config.model]);
  const epochTimes = [];
  let started = 0;
  const timer = {
    onEpochBegin: () => {
      started = performance.now();
    },
    onEpochEnd: () => {
      epochTimes.push(performance.now() - started);
    },
  };
  // A short fit first: thread start-up, wasm compilation and JIT warm-up are not measured.
  const warm = { epochs: 3, batchSize: BATCH, seed: 2, verbose: 0 };
  const args = { epochs: config.epochs, batchSize: BATCH, seed: 1, verbose: 0, callbacks: [timer] };
  let timings;
  let rss;
  if (config.workers === 0) {
    const w = warmup.toTensors(tf);
    await model.fit(w.x, w.y, warm);
    const { x, y } = train.toTensors(tf);
    await model.fit(x, y, args);
    rss = process.memoryUsage().rss;
  } else {
    const trainer = new DataParallelTrainer({ workers: config.workers, backend: config.backend });
    await trainer.fit(model, warmup, undefined, warm);
    await trainer.fit(model, train, undefined, args);
    rss = process.memoryUsage().rss;
    timings = meanTimings(trainer.lastFitTimings);
    await trainer.close();
  }
  const best = Math.min(...epochTimes);
  console.log(
    JSON.stringify({
      ...config,
      backend,
      samplesPerSecond: (config.steps * BATCH) / (best / 1000),
      rssMb: rss / 2 ** 20,
      timings,
    }),
  );
}

/** Per-step means over all workers. */
function meanTimings(reports) {
  const sum = { computeMs: 0, exchangeMs: 0, waitMs: 0, applyMs: 0 };
  let steps = 0;
  for (const r of reports) {
    for (const key of Object.keys(sum)) sum[key] += r[key];
    steps += r.steps;
  }
  return Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, v / steps]));
}

/** MNIST-shaped float32 pixels in [0, 1) and one-hot labels of a fixed linear rule, in shared memory. */
function syntheticMnist(Dataset) {
  const x = new Float32Array(SAMPLES * 784);
  const y = new Float32Array(SAMPLES * 10);
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  for (let i = 0; i < SAMPLES; i++) {
    let score = 0;
    for (let j = 0; j < 784; j++) {
      const v = next();
      x[i * 784 + j] = v;
      if (j % 97 === 0) score += v;
    }
    y[i * 10 + (Math.floor(score * 10) % 10)] = 1;
  }
  return Dataset.fromArrays({ x, y, featureShape: [784], labelShape: [10] });
}

/**
 * The best synchronous data parallelism could do: `workers` threads, each training its own
 * replica on batch BATCH / workers with no communication, against one thread on batch BATCH.
 */
async function idealScaling(config) {
  const { Worker } = await import('node:worker_threads');
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    Promise.all([import(workerData.core), import(workerData.training), import(workerData.lessonModels)]).then(async ([fnn, training, lesson]) => {
      await fnn.setBackend(workerData.backend, { quiet: true });
      const { tf } = fnn;
      const model = lesson.fnnModel(fnn, workerData.hidden);
      const x = tf.randomUniform([workerData.batch, 784]);
      const y = tf.cast(tf.oneHot(tf.randomUniform([workerData.batch], 0, 10, 'int32'), 10), 'float32');
      const step = () => training.trainStep(model, { inputs: [x], targets: [y] }, { training: true, random: new fnn.SeededRandom(1) });
      for (let i = 0; i < 20; i++) step();
      const start = performance.now();
      let n = 0;
      while (performance.now() - start < 2000) { step(); n++; }
      parentPort.postMessage(n / ((performance.now() - start) / 1000));
    });`;
  const core = new URL('../packages/core/dist/index.js', import.meta.url).href;
  // trainStep is on the training contract's subpath, not the root export.
  const training = new URL('../packages/core/dist/training/index.js', import.meta.url).href;
  const lessonModels = new URL('./lesson-models.mjs', import.meta.url).href;
  const stepsPerSecond = (threads, batch) =>
    Promise.all(
      Array.from(
        { length: threads },
        () =>
          new Promise((resolve, reject) => {
            const worker = new Worker(source, {
              eval: true,
              workerData: {
                core,
                training,
                lessonModels,
                backend: config.backend,
                hidden: MODELS[config.model],
                batch,
              },
              env: { ...process.env, FNN_QUIET: '1' },
            });
            worker.once('message', (rate) => void worker.terminate().then(() => resolve(rate)));
            worker.once('error', reject);
          }),
      ),
    ).then((rates) => Math.min(...rates));
  const one = await stepsPerSecond(1, BATCH);
  const many = await stepsPerSecond(config.workers, Math.ceil(BATCH / config.workers));
  return { ratio: many / one };
}
