import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../executor.js';
import { CliProcess } from '../../test-support/cli-process.js';
import { runCli } from '../../test-support/cli.js';
import { writeSyntheticMnist } from '../../test-support/idx-fixture.js';
import {
  checkpointKeys,
  gridFile as grid,
  oneRunSweep,
  QueueProcesses,
  readResults,
  startedJobs,
  tmp,
  trained,
} from '../../test-support/queue-sweep.js';
import { freePort, hasRedis, TestRedis } from '../../test-support/redis-server.js';
import { defaultRuns } from '../run-config.js';

const byId = (runs: RunResult[]) => Object.fromEntries(runs.map((r) => [r.id, r]));

describe.skipIf(!hasRedis)('sweeps through a BullMQ queue on a real redis-server', () => {
  let data: string;
  let redis: TestRedis;
  const processes = new QueueProcesses(
    () => redis,
    () => data,
  );
  const worker = (args: string[] = [], options: { mnist?: boolean } = {}) => processes.worker(args, options);
  const coordinator = (args: string[]) => processes.coordinator(args);

  beforeAll(async () => {
    data = writeSyntheticMnist(join(tmp('fnn-idx-'), 'data'));
    redis = await TestRedis.start({ appendOnly: true });
  });
  afterAll(async () => {
    await processes.killAll();
    await redis?.dispose();
  });

  it('trains the quick lesson sweep on 2 worker processes with the same metrics as a local sweep', async () => {
    const common = ['--quick', '--limit-train', '3000', '--limit-eval', '1000'];
    const localOut = join(tmp('fnn-out-'), 'local');
    const queueOut = join(tmp('fnn-out-'), 'queue');
    const workers = [worker(['--fixed-workers'], { mnist: true }), worker(['--fixed-workers'], { mnist: true })];
    const local = await runCli([
      ...common,
      '--fixed-workers',
      '--concurrency',
      '2',
      '--workers-per-run',
      '1',
      '--out',
      localOut,
    ]);
    expect(local.code).toBe(0);
    const queued = coordinator([...common, '--out', queueOut]);
    expect(await queued.exited, queued.stderr).toEqual({ code: 0, signal: null });
    expect(queued.stderr).toMatch(/fnn-sweep: queue fnn-sweep on redis:\/\/127\.0\.0\.1:\d+\/0/);
    const a = byId(readResults(localOut).runs);
    const b = byId(readResults(queueOut).runs);
    expect(Object.keys(b).sort()).toEqual(
      defaultRuns()
        .map((r) => r.id)
        .sort(),
    );
    for (const id of Object.keys(a)) expect(trained(b[id]!), id).toEqual(trained(a[id]!));
    // The same files as a local sweep: a run file per run, the CSVs and the report.
    expect(
      readdirSync(join(queueOut, 'runs'))
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(
      readdirSync(join(localOut, 'runs'))
        .filter((f) => f.endsWith('.json'))
        .sort(),
    );
    for (const file of ['results.csv', 'history.csv', 'report.html'])
      expect(existsSync(join(queueOut, file)), file).toBe(true);
    // Both workers took jobs, each job exactly once; the queue keeps nothing once the sweep is recorded.
    const started = workers.flatMap((w) => startedJobs(w.stderr));
    expect(started).toHaveLength(7);
    expect(new Set(started).size).toBe(7);
    expect(workers.every((w) => startedJobs(w.stderr).length > 0)).toBe(true);
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    expect((await workers[0]!.exited).code).toBe(0);
    const queue = new Queue('fnn-sweep', { connection: { host: '127.0.0.1', port: redis.port } });
    expect(await queue.getJobCounts('wait', 'active', 'completed', 'failed', 'delayed')).toEqual({
      wait: 0,
      active: 0,
      completed: 0,
      failed: 0,
      delayed: 0,
    });
    await queue.close();
  });

  it('continues a run whose worker was SIGKILLed on another worker from its last epoch, with the same history', async () => {
    const common = oneRunSweep(data);
    const localOut = join(tmp('fnn-out-'), 'local');
    const local = await runCli([
      ...common,
      '--fixed-workers',
      '--concurrency',
      '1',
      '--workers-per-run',
      '1',
      '--out',
      localOut,
    ]);
    expect(local.code).toBe(0);

    const out = join(tmp('fnn-out-'), 'queue');
    const first = worker(['--lock-seconds', '5', '--backend', 'wasm']);
    const sweep = coordinator([...common, '--out', out]);
    await sweep.waitFor(/epoch 2\/6/);
    await first.kill('SIGKILL');
    const second = worker(['--lock-seconds', '5', '--backend', 'wasm']);
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 0, signal: null });
    const run = readResults(out).runs[0]!;
    expect(run.status).toBe('finished');
    expect(run.resumedFromEpoch).toBeGreaterThanOrEqual(2);
    expect(run.resumedFromEpoch).toBeLessThan(6);
    expect(second.stderr).toMatch(/started on .* \(start 2\)/);
    expect(sweep.stderr).toMatch(/its worker stopped renewing the job lock/);
    expect(sweep.stderr).toMatch(/resumed from the checkpoint after epoch [2-5]/);
    expect(trained(run)).toEqual(trained(readResults(localOut).runs[0]!));
    // The checkpoint is gone from Redis once the run has finished.
    expect(await checkpointKeys(redis.port)).toEqual([]);
    await second.kill('SIGTERM');
  });

  it('puts the run of a worker stopped with SIGTERM back in the queue, where another worker continues it', async () => {
    const out = join(tmp('fnn-out-'), 'queue');
    const first = worker(['--backend', 'wasm']);
    const sweep = coordinator([...oneRunSweep(data), '--out', out]);
    await sweep.waitFor(/epoch 2\/6/);
    expect(await first.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(first.stderr).toMatch(/\[grid\] stopped after epoch [2-5]: back to the queue/);
    const second = worker(['--backend', 'wasm']);
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 0, signal: null });
    const run = readResults(out).runs[0]!;
    expect(run.status).toBe('finished');
    expect(run.resumedFromEpoch).toBeGreaterThanOrEqual(2);
    // Handed over, not stalled: no lock had to expire.
    expect(sweep.stderr).not.toMatch(/stopped renewing the job lock/);
    expect(second.stderr).toMatch(/started on .* \(start 2\)/);
    await second.kill('SIGTERM');
  });

  it('completes every run exactly once when the coordinator is SIGKILLed and resumed', async () => {
    const spec = grid({ hidden: [[64]], dropout: [0, 0.1, 0.2, 0.3], epochs: [3] });
    const out = join(tmp('fnn-out-'), 'queue');
    const w = worker(['--backend', 'wasm']);
    const first = coordinator([
      '--grid',
      spec,
      '--data-dir',
      data,
      '--limit-train',
      '1000',
      '--limit-eval',
      '200',
      '--out',
      out,
    ]);
    await first.waitFor(/\] finished in/);
    await first.kill('SIGKILL');
    const again = coordinator(['--resume', out]);
    expect(await again.exited, again.stderr).toEqual({ code: 0, signal: null });
    const runs = readResults(out).runs;
    expect(runs.map((r) => r.status)).toEqual(['finished', 'finished', 'finished', 'finished']);
    expect(runs.every((r) => r.resumedFromEpoch === 0)).toBe(true);
    expect(readdirSync(join(out, 'runs')).filter((f) => f.endsWith('.json'))).toHaveLength(4);
    // Nothing trained twice: each job started once on the worker.
    const started = startedJobs(w.stderr);
    expect(started).toHaveLength(4);
    expect(new Set(started).size).toBe(4);
    await w.kill('SIGTERM');
  });

  it('completes when redis-server restarts mid-sweep (append-only file)', async () => {
    const spec = grid({ hidden: [[512, 512]], dropout: [0, 0.2], epochs: [4] });
    const out = join(tmp('fnn-out-'), 'queue');
    const w = worker(['--backend', 'wasm']);
    const sweep = coordinator([
      '--grid',
      spec,
      '--data-dir',
      data,
      '--limit-eval',
      '200',
      '--backend',
      'wasm',
      '--out',
      out,
    ]);
    await sweep.waitFor(/epoch 1\/4/);
    await redis.restart();
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 0, signal: null });
    expect(readResults(out).runs.map((r) => [r.status, r.history.loss.length])).toEqual([
      ['finished', 4],
      ['finished', 4],
    ]);
    await w.kill('SIGTERM');
  });

  it('rejects a job with an invalid config or different data, and the worker goes on serving', async () => {
    const w = worker(['--backend', 'wasm']);
    await w.waitFor(/waiting for jobs/);
    const queue = new Queue('fnn-sweep', { connection: { host: '127.0.0.1', port: redis.port } });
    const config = { ...defaultRuns()[0]!, hidden: [16], epochs: 1 };
    const dataSpec = { source: 'elsewhere', limitTrain: 100, limitEval: 50, fingerprint: '0'.repeat(64) };
    await queue.add(
      'fnn-run',
      { version: 1, sweepId: '0123456789ab', config: { ...config, dropout: 1.5 }, data: dataSpec },
      { jobId: 'bad-config' },
    );
    await queue.add(
      'fnn-run',
      { version: 1, sweepId: '0123456789ab', config, data: dataSpec },
      { jobId: 'other-data' },
    );
    await w.waitFor(/rejected job other-data/);
    expect(w.stderr).toContain(
      'rejected job bad-config: job "bad-config".config.dropout: expected a dropout rate in [0, 1), but got 1.5.',
    );
    expect(w.stderr).toMatch(
      /job other-data was made for the data elsewhere \(fingerprint 000000000000…\), but this worker has .*data \(fingerprint [0-9a-f]{12}…\)/,
    );
    expect(await queue.getJobState('bad-config')).toBe('failed');
    expect((await queue.getJob('bad-config'))!.attemptsStarted).toBe(1);
    await queue.obliterate({ force: true });
    await queue.close();
    // Still serving.
    const out = join(tmp('fnn-out-'), 'queue');
    const sweep = coordinator([
      '--grid',
      grid({ hidden: [[16]] }),
      '--epochs',
      '1',
      '--data-dir',
      data,
      '--limit-train',
      '500',
      '--limit-eval',
      '100',
      '--out',
      out,
    ]);
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 0, signal: null });
    await w.kill('SIGTERM');
  });

  it('records 1,000 tiny jobs through 4 worker processes exactly once', async () => {
    const spec = grid({
      hidden: [[4]],
      learningRate: Array.from({ length: 1000 }, (_, i) => (i + 1) / 1e5),
      batchSize: [64],
    });
    const out = join(tmp('fnn-out-'), 'queue');
    const sweep = coordinator([
      '--grid',
      spec,
      '--epochs',
      '1',
      '--data-dir',
      data,
      '--limit-train',
      '64',
      '--limit-eval',
      '32',
      '--backend',
      'wasm',
      '--out',
      out,
    ]);
    await sweep.waitFor(/1000 jobs for workers/);
    await new Promise((r) => setTimeout(r, 2000));
    const workers = Array.from({ length: 4 }, () => worker(['--exit-when-idle', '--backend', 'wasm']));
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 0, signal: null });
    for (const w of workers) expect(await w.exited).toEqual({ code: 0, signal: null });
    const runs = readResults(out).runs;
    expect(runs).toHaveLength(1000);
    expect(new Set(runs.map((r) => r.id)).size).toBe(1000);
    expect(runs.every((r) => r.status === 'finished')).toBe(true);
    expect(readdirSync(join(out, 'runs')).filter((f) => f.endsWith('.json'))).toHaveLength(1000);
    const started = workers.flatMap((w) => startedJobs(w.stderr));
    expect(started).toHaveLength(1000);
    expect(new Set(started).size).toBe(1000);
  }, 900_000);
});

describe('a queue that cannot be used: a clear error within 10 s, never a hang', () => {
  let notRedis: Server;
  let notRedisPort: number;
  /** Accepts connections and never answers: a host that swallows packets, or a server of another kind. */
  let silent: Server;
  let silentPort: number;
  const silentSockets = new Set<Socket>();
  let locked: TestRedis | undefined;
  let data: string;
  beforeAll(async () => {
    notRedis = createServer((socket) => socket.on('data', () => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
    await new Promise<void>((resolve) => notRedis.listen(0, '127.0.0.1', resolve));
    notRedisPort = (notRedis.address() as { port: number }).port;
    silent = createServer((socket) => silentSockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
    if (hasRedis) locked = await TestRedis.start({ password: 's3cret' });
    data = writeSyntheticMnist(join(tmp('fnn-idx-'), 'data'), { train: 5100, test: 50 });
  });
  afterAll(async () => {
    notRedis.close();
    for (const socket of silentSockets) socket.destroy();
    silent.close();
    await locked?.dispose();
  });

  /** Both sides connect the same way; each must say what is wrong within 10 s, and exit 2. */
  const sides = {
    worker: (url: string) => ({ args: ['worker', '--queue', url], ready: /fnn-sweep worker: queue fnn-sweep on / }),
    coordinator: (url: string) => ({
      args: [
        ...['--queue', url, '--grid', grid({ hidden: [[4]] }), '--epochs', '1'],
        ...['--data-dir', data, '--limit-train', '64', '--limit-eval', '32', '--out', join(tmp('fnn-out-'), 'q')],
      ],
      ready: /fnn-sweep: queue fnn-sweep on /,
    }),
  };

  /** The error must come within 10 s of the first connection attempt (process start-up, loading tfjs, excluded). */
  async function failsClearly(url: string, message: RegExp) {
    const runs: CliProcess[] = [];
    for (const side of Object.values(sides)) {
      const { args, ready } = side(url);
      const run = new CliProcess(args);
      await run.waitFor(ready);
      const connecting = performance.now();
      const { code } = await run.exited;
      const seconds = (performance.now() - connecting) / 1000;
      expect(code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(seconds).toBeLessThan(10);
      runs.push(run);
    }
    return runs;
  }

  it('names an unreachable address', async () => {
    const port = await freePort();
    await failsClearly(
      `redis://127.0.0.1:${port}`,
      new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}/0: connection refused`),
    );
  });

  it('says the password was refused, and never prints it', async () => {
    if (!locked) return;
    const runs = await failsClearly(`redis://:wrong-one@127.0.0.1:${locked.port}`, /refused the password \(WRONGPASS/);
    for (const run of runs) {
      expect(run.stderr).toContain(`redis://:***@127.0.0.1:${locked.port}/0`);
      expect(run.stderr).not.toContain('wrong-one');
    }
    await failsClearly(`redis://127.0.0.1:${locked.port}`, /requires a password: give it as redis:\/\/:<password>@/);
  });

  it('says when the server is not a Redis', async () => {
    const runs = await failsClearly(`redis://127.0.0.1:${notRedisPort}`, /did not answer like a Redis server/);
    for (const run of runs)
      expect(run.stderr).toContain(`Redis at redis://127.0.0.1:${notRedisPort}/0 did not answer like a Redis server (`);
  });

  it('gives up on a server that accepts the connection and never answers', async () => {
    await failsClearly(
      `redis://127.0.0.1:${silentPort}`,
      new RegExp(
        `no answer from Redis at redis://127\\.0\\.0\\.1:${silentPort}/0 within 6 s: the host is unreachable, or the server there is not a Redis\\.`,
      ),
    );
  });

  it('names a malformed address before connecting', async () => {
    const run = await runCli(['worker', '--queue', 'http://:pw@host:1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'option \'--queue <redis-url>\' argument \'http://:***@host:1\' is invalid. expected redis://[:password@]host[:port][/db] (or rediss:// for TLS), but got "http://:***@host:1": the scheme is "http:".',
    );
  });
});
