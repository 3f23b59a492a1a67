// The lesson's default sweep through the BullMQ queue (this process coordinates, two
// `fnn-sweep worker` processes train one run at a time on one core each) against today's local
// default (2 runs × 1 worker in one process, elastic growth), in the same bench run, on a
// redis-server of its own (loopback, free port, temporary folder). Prints both wall times and
// their ratio (target: queue within 10 % of local), the per-job overhead (enqueue → start,
// finish → recorded), Redis commands per run and per epoch, and the step times and gradient
// sizes docs/scale-out.md uses for data-parallel training across machines.
//
//   node bench/queue.bench.mjs                              the full default sweep (minutes)
//   FNN_BENCH_EPOCH_SCALE=0.2 node bench/queue.bench.mjs    each run: max(1, round(epochs × 0.2))
// FNN_BENCH_BACKEND picks the backend (default auto); FNN_BENCH_ONLY=wide,deep a subset of runs.
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

/** A worker process, pinned to one core when taskset is there; resolves once it waits for jobs. */
function startWorker(url, core) {
  const args = [CLI, 'worker', '--queue', url, '--concurrency', '1', '--workers-per-run', '1', '--backend', requested];
  const pinned = spawnSync('taskset', ['--version']).status === 0;
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

const redis = await startRedis();
const counter = new Redis({ host: '127.0.0.1', port: redis.port });
const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await counter.info('stats'))[1]);
try {
  const loadLocal = loadavg()[0];
  const localOutcome = await local();
  failedOf(localOutcome, 'local');

  const workers = await Promise.all([startWorker(redis.url, 0), startWorker(redis.url, 1)]);
  const loadQueue = loadavg()[0];
  const { outcome: queueOutcome, timeline } = await queued(redis.url, runs, data);
  failedOf(queueOutcome, 'queue');

  // Per-job overhead. enqueue → start: from the moment a job could start (enqueued, and a worker
  // free: the last run to finish before it started) to the worker's start of training.
  // finish → recorded: from the worker's end of training to runs/<id>.json on the coordinator.
  const entries = [...timeline.values()];
  const finishes = entries.map((e) => Date.parse(e.result.timing.finishedAt)).sort((a, b) => a - b);
  const startGaps = entries.map((e) => {
    const started = Date.parse(e.result.timing.startedAt);
    const freed = finishes.filter((f) => f <= started).pop() ?? -Infinity;
    return started - Math.max(e.enqueued, freed);
  });
  const recordGaps = entries.map((e) => e.recorded - Date.parse(e.result.timing.finishedAt));

  const l = localOutcome.results.sweep.wallSeconds;
  const q = queueOutcome.results.sweep.wallSeconds;
  console.log('\nmode                                                        wall s   load before');
  console.log(
    `${`local default (${plan.concurrency} runs × ${plan.workersPerRun} worker, elastic growth)`.padEnd(58)} ${l.toFixed(1).padStart(7)} ${loadLocal.toFixed(2).padStart(13)}`,
  );
  console.log(
    `${`queue: coordinator + 2 workers × 1 run × 1 thread${workers[0].pinned ? ' (pinned)' : ''}`.padEnd(58)} ${q.toFixed(1).padStart(7)} ${loadQueue.toFixed(2).padStart(13)}`,
  );
  console.log(`queue / local: ${(q / l).toFixed(3)} (target ≤ 1.10)`);
  console.log(
    `per job (ms, median / max over ${entries.length}): enqueue → start ${median(startGaps)} / ${Math.max(...startGaps)}, finish → recorded ${median(recordGaps)} / ${Math.max(...recordGaps)}`,
  );
  console.log('\nrun               epochs  val acc % local  val acc % queue  s local  s queue');
  for (const r of localOutcome.runs) {
    const other = queueOutcome.runs.find((x) => x.id === r.id);
    console.log(
      `${r.id.padEnd(17)} ${String(r.config.epochs).padStart(6)}  ${(r.final.valAccuracy * 100).toFixed(2).padStart(15)}  ${(other.final.valAccuracy * 100).toFixed(2).padStart(15)}  ${r.timing.wallSeconds.toFixed(1).padStart(7)}  ${other.timing.wallSeconds.toFixed(1).padStart(7)}`,
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

// Data parallelism across machines, on paper: each step all-reduces one float32 per parameter.
console.log(
  '\nmodel         params   gradient MB/step  step ms (batch 128, 1 thread)  ring all-reduce for ≥ 90 % on 2 / 8 machines',
);
for (const id of ['wide', 'wide-deep']) {
  const config = { ...sweep.defaultRuns()[0], ...sweep.defaultRuns().find((r) => r.id === id) };
  const model = sweep.buildCompiledModel(config);
  const slice = data.train.slice(0, 128 * 100);
  const { x, y } = slice.toTensors(tf);
  await model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 }); // warm-up
  const t0 = performance.now();
  await model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 });
  const stepMs = (performance.now() - t0) / 100;
  const bytes = model.countParams() * 4;
  // Ring all-reduce sends and receives 2 (n−1)/n of the gradient per step; ≥ 90 % efficiency
  // (no overlap) leaves it 1/9 of the step's compute time.
  const gbits = (n) => (((2 * (n - 1)) / n) * bytes * 8) / (stepMs / 1000 / 9) / 1e9;
  console.log(
    `${id.padEnd(12)} ${String(model.countParams()).padStart(8)} ${(bytes / 1e6).toFixed(2).padStart(18)} ${stepMs.toFixed(2).padStart(30)}  ${gbits(2).toFixed(0)} / ${gbits(8).toFixed(0)} Gbit/s`,
  );
  x.dispose();
  y.dispose();
  model.dispose();
}
process.exit(0);
