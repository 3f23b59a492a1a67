// The lesson's default sweep through the BullMQ queue (this process coordinates; one
// `fnn-sweep worker` with this machine's default split and elastic growth, then two worker
// processes training one run at a time pinned to one core each, as two 1-core machines would)
// against today's local default (2 runs × 1 worker in one process, elastic growth), in the same bench run, on a
// redis-server of its own (loopback, free port, temporary folder). Prints both wall times and
// their ratio (target: queue within 10 % of local), the per-job overhead (enqueue → start,
// finish → recorded), Redis commands per run and per epoch, and the step times and gradient
// sizes docs/scale-out.md uses for data-parallel training across machines.
//
//   node bench/queue.bench.mjs                              the full default sweep (minutes)
//   FNN_BENCH_EPOCH_SCALE=0.2 node bench/queue.bench.mjs    each run: max(1, round(epochs × 0.2))
// FNN_BENCH_BACKEND picks the backend (default auto); FNN_BENCH_ONLY=wide,deep a subset of runs;
// FNN_BENCH_PART=steps times only the lesson models' steps (the figures for the paper part).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as harness from './sweep-harness.mjs';

const { sweep, requestedBackend: requested } = harness;
const { setBackend, tf } = await import('../packages/core/dist/index.js');
const { Redis } = await import('../apps/sweep/node_modules/ioredis/built/index.js');

const CLI = fileURLToPath(new URL('../apps/sweep/dist/cli.js', import.meta.url));
const { runs, scale } = harness.lessonRuns();
if (!existsSync('/usr/bin/redis-server'))
  throw new Error('queue bench: needs redis-server (apt-get install redis-server).');

const backend = await setBackend(requested, { quiet: true });
const data = sweep.loadSweepData({});
const { cores, plan } = harness.defaultPlan(runs.length);
const children = new Set();
process.on('exit', () =>
  children.forEach((c) => {
    c.kill('SIGKILL');
  }),
);

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fnn-bench-redis-'));
  const child = spawn('/usr/bin/redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--maxmemory-policy',
    'noeviction',
  ]);
  children.add(child);
  await new Promise((resolve) => child.stdout.on('data', (d) => /Ready to accept/.test(d) && resolve()));
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A worker process training `concurrency` runs at a time on one thread each, pinned to `core`
 * when given and taskset is there; resolves once it waits for jobs.
 */
function startWorker(url, { core, concurrency = 1 } = {}) {
  const args = [
    CLI,
    'worker',
    '--queue',
    url,
    '--concurrency',
    String(concurrency),
    '--workers-per-run',
    '1',
    '--backend',
    requested,
  ];
  const pinned = core !== undefined && spawnSync('taskset', ['--version']).status === 0;
  const child = pinned
    ? spawn('taskset', ['-c', String(core % cores), process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let text = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      text += d;
      if (/waiting for jobs/.test(text))
        resolve({
          child,
          pinned,
          stop: () =>
            new Promise((r) => {
              child.once('close', r);
              child.kill('SIGTERM');
            }),
        });
    });
    child.once('close', (code) => reject(new Error(`worker exited with ${code}:\n${text}`)));
  });
}

async function local() {
  const { outcome } = await harness.measureDefaultSweep({
    prefix: 'fnn-queue-bench-',
    label: 'local',
    data,
    plan,
    backend,
    runs,
  });
  return outcome;
}

/** A sweep coordinated from this process; `timeline` gets when each run was enqueued, seen starting and recorded. */
async function queued(redisUrl, sweepRuns, sweepData, limits = { limitTrain: null, limitEval: null }) {
  const jobData = { source: sweepData.source, ...limits, fingerprint: sweep.dataFingerprint(sweepData) };
  const timeline = new Map();
  const display = {
    runStarted: (id) => timeline.set(id, { enqueued: Date.now() }),
    update() {},
    runEnded: (result) => Object.assign(timeline.get(result.id), { recorded: Date.now(), result }),
    log() {},
    stop() {},
  };
  const { outcome } = await harness.measureSweep({
    prefix: 'fnn-queue-bench-',
    executorFor: (dir) =>
      sweep.QueueExecutor.connect({
        address: sweep.parseRedisAddress(redisUrl),
        queueName: 'fnn-sweep',
        sweepId: sweep.sweepIdFor(dir, sweepRuns, jobData),
        data: jobData,
        log: () => {},
      }),
    runs: sweepRuns,
    concurrency: sweepRuns.length,
    display,
    trainSize: sweepData.train.size,
    meta: { backend, cores, workersPerRun: 1 },
  });
  return { outcome, timeline };
}

const failedOf = (outcome, label) => {
  const failed = outcome.runs.filter((r) => r.status !== 'finished');
  if (failed.length > 0) throw new Error(`${label}: ${failed.map((r) => `${r.id}: ${r.error}`).join('; ')}`);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(
  `queue bench: ${runs.length} runs (${runs.map((r) => `${r.id} ${r.epochs}`).join(', ')} epochs), epoch scale ${scale}`,
);
console.log(harness.machineLine(cores, backend, data));
if (process.env.FNN_BENCH_PART === 'steps') {
  await stepFigures();
  process.exit(0);
}

const redis = await startRedis();
const counter = new Redis({ host: '127.0.0.1', port: redis.port });
const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await counter.info('stats'))[1]);
try {
  const loadLocal = loadavg()[0];
  const localOutcome = await local();
  failedOf(localOutcome, 'local');

  // The queue as a user of this machine runs it: one worker process, this machine's default
  // split (2 runs × 1 thread), its last run growing onto the idle slot's core as locally.
  const single = await startWorker(redis.url, { concurrency: plan.concurrency });
  const loadSingle = loadavg()[0];
  const { outcome: singleOutcome, timeline } = await queued(redis.url, runs, data);
  failedOf(singleOutcome, 'queue, one worker');
  await single.stop();
  // Two machines of one core each: two processes pinned to a core, no growth across them.
  const workers = await Promise.all([startWorker(redis.url, { core: 0 }), startWorker(redis.url, { core: 1 })]);
  const loadQueue = loadavg()[0];
  const { outcome: queueOutcome } = await queued(redis.url, runs, data);
  failedOf(queueOutcome, 'queue, two workers');

  // Per-job overhead (one-worker sweep). enqueue → start: from the moment a job could start
  // (enqueued, and a slot free: the last run to finish before it started) to the worker's start
  // of training. finish → recorded: from the worker's end of training to runs/<id>.json.
  const entries = [...timeline.values()];
  const finishes = entries.map((e) => Date.parse(e.result.timing.finishedAt)).sort((a, b) => a - b);
  const startGaps = entries.map((e) => {
    const started = Date.parse(e.result.timing.startedAt);
    const freed = finishes.filter((f) => f <= started).pop() ?? -Infinity;
    return started - Math.max(e.enqueued, freed);
  });
  const recordGaps = entries.map((e) => e.recorded - Date.parse(e.result.timing.finishedAt));

  const l = localOutcome.results.sweep.wallSeconds;
  const q1 = singleOutcome.results.sweep.wallSeconds;
  const q2 = queueOutcome.results.sweep.wallSeconds;
  const row = (label, wall, load) =>
    console.log(
      `${label.padEnd(66)} ${wall.toFixed(1).padStart(7)} ${(wall / l).toFixed(3).padStart(8)} ${load.toFixed(2).padStart(12)}`,
    );
  console.log(`\n${'mode'.padEnd(66)}  wall s  / local  load before`);
  row(`local default (${plan.concurrency} runs × ${plan.workersPerRun} worker, elastic growth)`, l, loadLocal);
  row(`queue: coordinator + 1 worker × ${plan.concurrency} runs × 1 thread, elastic growth`, q1, loadSingle);
  row(
    `queue: coordinator + 2 workers × 1 run × 1 thread${workers[0].pinned ? ', pinned' : ''} (no growth)`,
    q2,
    loadQueue,
  );
  console.log(`queue (1 worker) / local: ${(q1 / l).toFixed(3)} (target ≤ 1.10)`);
  console.log(
    `per job (ms, median / max over ${entries.length}): enqueue → start ${median(startGaps)} / ${Math.max(...startGaps)}, finish → recorded ${median(recordGaps)} / ${Math.max(...recordGaps)}`,
  );
  const most = (r) => Math.max(...r.history.workers);
  console.log(
    '\nrun               epochs  val acc % local / queue 1 / queue 2   s local / queue 1 / queue 2   most workers',
  );
  for (const r of localOutcome.runs) {
    const [a, b] = [singleOutcome, queueOutcome].map((o) => o.runs.find((x) => x.id === r.id));
    const acc = [r, a, b].map((x) => (x.final.valAccuracy * 100).toFixed(2)).join(' / ');
    const secs = [r, a, b].map((x) => x.timing.wallSeconds.toFixed(1)).join(' / ');
    console.log(
      `${r.id.padEnd(17)} ${String(r.config.epochs).padStart(6)}  ${acc.padStart(31)}   ${secs.padStart(25)}   ${[r, a, b].map(most).join(' / ')}`,
    );
  }

  // Redis commands per run and per epoch: two small sweeps that differ only in epochs.
  const small = sweep.loadSweepData({ limitTrain: 2000, limitEval: 500 });
  const probe = async (epochs) => {
    const before = await commands();
    const probeRuns = Array.from({ length: 4 }, (_, i) => ({
      ...sweep.defaultRuns(1 + i)[0],
      id: `w${i}`,
      configId: `w${i}`,
      epochs,
    }));
    const started = performance.now();
    const { outcome } = await queued(redis.url, probeRuns, small, { limitTrain: 2000, limitEval: 500 });
    failedOf(outcome, `probe ${epochs}`);
    return { commands: (await commands()) - before - 1, seconds: (performance.now() - started) / 1000 };
  };
  const one = await probe(1);
  const five = await probe(5);
  const perEpoch = (five.commands - one.commands) / (4 * 4);
  console.log(
    `\nRedis commands (all clients, INFO total_commands_processed): 4 runs × 1 epoch ${one.commands} in ${one.seconds.toFixed(1)} s, 4 runs × 5 epochs ${five.commands} in ${five.seconds.toFixed(1)} s`,
  );
  console.log(
    `  → per epoch ${perEpoch.toFixed(1)}, per run (beyond its epochs) ${(one.commands / 4 - perEpoch).toFixed(1)}`,
  );
  await Promise.all(workers.map((w) => w.stop()));
} finally {
  counter.disconnect();
  redis.stop();
}

await stepFigures();
process.exit(0);

/**
 * Data parallelism across machines, on paper: each step all-reduces one float32 per trainable
 * parameter (batch norm's moving statistics are not gradients), for each of the lesson's models.
 */
async function stepFigures() {
  console.log(
    `\nmodel            params  gradient MB/step  step ms (batch 128, 1 thread)  ring all-reduce for ≥ 90 % on 2 / 8 machines (load ${loadavg()[0].toFixed(1)})`,
  );
  for (const id of ['wide', 'deep', 'wide-deep', 'wide-deep-bn']) {
    const config = { ...sweep.defaultRuns()[0], ...sweep.defaultRuns().find((r) => r.id === id) };
    const model = sweep.buildCompiledModel(config);
    const slice = data.train.slice(0, 128 * 100);
    const { x, y } = slice.toTensors(tf);
    await model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 }); // warm-up
    const t0 = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 });
    const stepMs = (performance.now() - t0) / 100;
    const bytes = model.trainableWeights.reduce((n, w) => n + w.variable.size, 0) * 4;
    // Ring all-reduce sends and receives 2 (n−1)/n of the gradient per step; ≥ 90 % efficiency
    // (no overlap) leaves it 1/9 of the step's compute time.
    const gbits = (n) => (((2 * (n - 1)) / n) * bytes * 8) / (stepMs / 1000 / 9) / 1e9;
    console.log(
      `${id.padEnd(14)} ${String(model.countParams()).padStart(8)} ${(bytes / 1e6).toFixed(2).padStart(17)} ${stepMs.toFixed(2).padStart(30)}  ${gbits(2).toFixed(0)} / ${gbits(8).toFixed(0)} Gbit/s`,
    );
    x.dispose();
    y.dispose();
    model.dispose();
  }
}
