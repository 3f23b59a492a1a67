import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test-support/cli.js';
import { writeSyntheticMnist } from '../../test-support/idx-fixture.js';
import {
  checkpointKeys,
  gridFile,
  oneRunSweep,
  QueueProcesses,
  readResults,
  startedJobs,
  tmp,
  trained,
} from '../../test-support/queue-sweep.js';
import { hasRedis, TestRedis } from '../../test-support/redis-server.js';

// What the issue asks of runs that fail, and of workers that die, stop or leave, with real
// coordinator and worker processes on a real redis-server. Each test has a queue of its own.
describe.skipIf(!hasRedis)('runs through the queue that fail, lose their worker or are trained twice', () => {
  let data: string;
  let redis: TestRedis;
  const p = new QueueProcesses(
    () => redis,
    () => data,
  );
  const oneRun = (epochs = 6) => oneRunSweep(data, epochs);
  const checkpoints = () => checkpointKeys(redis.port);

  beforeAll(async () => {
    data = writeSyntheticMnist(join(tmp('fnn-idx-'), 'data'));
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    await p.killAll();
    await redis?.dispose();
  });

  it('records a run whose loss becomes NaN as failed after one start, never retried', async () => {
    const q = ['--queue-name', 'nan'];
    // As in the CLI's own NaN test: linear units and a learning rate of 1e30 overflow on cpu.
    const w = p.worker([...q, '--backend', 'cpu']);
    const out = join(tmp('fnn-out-'), 'queue');
    const sweep = p.coordinator([
      ...q,
      '--grid',
      gridFile({ hidden: [[16]], activation: 'linear', optimizer: 'sgd', learningRate: [0.1, 1e30] }),
      '--epochs',
      '2',
      '--data-dir',
      data,
      '--limit-train',
      '600',
      '--limit-eval',
      '200',
      '--out',
      out,
    ]);
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 1, signal: null });
    const [ok, nan] = readResults(out).runs;
    expect(ok).toMatchObject({ id: 'lr0.1', status: 'finished' });
    expect(nan).toMatchObject({ id: 'lr1e+30', status: 'failed', final: null });
    expect(nan!.error).toMatch(/the loss became NaN at epoch 1\/2, batch 2\/5/);
    // A result, not an error: the job completed at its first start and was not retried.
    const started = startedJobs(w.stderr);
    expect(started).toHaveLength(2);
    expect(new Set(started).size).toBe(2);
    expect(w.stderr).not.toMatch(/\(start 2\)/);
    expect(await checkpoints()).toEqual([]);
    expect((await w.kill('SIGTERM')).code).toBe(0);
  });

  it('retries a run whose worker dies at most --max-stalls times, then records it failed with why', async () => {
    const q = ['--queue-name', 'stalls'];
    const flags = [...q, '--lock-seconds', '2', '--max-stalls', '1', '--backend', 'wasm'];
    const out = join(tmp('fnn-out-'), 'queue');
    const first = p.worker(flags);
    const sweep = p.coordinator([...q, ...oneRun(), '--out', out]);
    await sweep.waitFor(/epoch 1\/6/);
    await first.kill('SIGKILL');
    // Its run goes back to the queue once (--max-stalls 1): the next worker takes it, and dies too.
    const second = p.worker(flags);
    await second.waitFor(/started on .* \(start 2\)/);
    await second.kill('SIGKILL');
    // The third finds the run stalled a second time: failed, not started again.
    const third = p.worker(flags);
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 1, signal: null });
    const [run] = readResults(out).runs;
    expect(run!.status).toBe('failed');
    const [a, b] = [first, second].map((w) => `${hostname()}/${w.child.pid}`);
    expect(run!.error).toBe(
      `its worker died or stopped responding 2 times, more than the workers' --max-stalls allow (job stalled more than allowable limit); it trained on ${a}, ${b}`,
    );
    expect(startedJobs(third.stderr)).toEqual([]);
    expect(await checkpoints()).toEqual([]);
    expect((await third.kill('SIGTERM')).code).toBe(0);
  });

  it('records a run trained by two workers at once (one stopped past its lock, then woken) once, as one run', async () => {
    const q = ['--queue-name', 'twice'];
    const flags = [...q, '--lock-seconds', '2', '--backend', 'wasm'];
    const localOut = join(tmp('fnn-out-'), 'local');
    const oneSlot = ['--fixed-workers', '--concurrency', '1', '--workers-per-run', '1'];
    expect((await runCli([...oneRun(), ...oneSlot, '--out', localOut])).code).toBe(0);

    const out = join(tmp('fnn-out-'), 'queue');
    const first = p.worker(flags);
    const sweep = p.coordinator([...q, ...oneRun(), '--out', out]);
    await sweep.waitFor(/epoch 2\/6/);
    // Frozen, the first worker renews nothing: its job stalls and the second worker continues it.
    first.child.kill('SIGSTOP');
    const second = p.worker(flags);
    await second.waitFor(/started on .* \(start 2\)/);
    // Woken, the first goes on training the same run until it finds its lock gone.
    first.child.kill('SIGCONT');
    await first.waitFor(/lost the job's lock/);
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 0, signal: null });
    const results = readResults(out);
    expect(results.runs).toHaveLength(1);
    expect(readdirSync(join(out, 'runs')).filter((f) => f.endsWith('.json'))).toEqual(['grid.json']);
    const [run] = results.runs;
    expect(run!.resumedFromEpoch).toBeGreaterThanOrEqual(2);
    // Nothing the first worker did after losing its lock (training, checkpoints) reached the result.
    expect(trained(run!)).toEqual(trained(readResults(localOut).runs[0]!));
    expect(await checkpoints()).toEqual([]);
    // Both workers still serve.
    for (const w of [first, second]) expect((await w.kill('SIGTERM')).code).toBe(0);
  });

  it('keeps a job through an epoch several times longer than its lock (training never blocks the lock renewals)', async () => {
    const q = ['--queue-name', 'long-epoch'];
    const big = writeSyntheticMnist(join(tmp('fnn-idx-'), 'big'), { train: 25_000 });
    const lockSeconds = 2;
    const w = p.started([
      ...['worker', '--queue', redis.url, ...q, '--data-dir', big],
      ...['--concurrency', '1', '--workers-per-run', '1', '--backend', 'wasm', '--lock-seconds', String(lockSeconds)],
    ]);
    const out = join(tmp('fnn-out-'), 'queue');
    const sweep = p.coordinator([
      ...q,
      '--grid',
      gridFile({ hidden: [[1024, 1024]], epochs: [1] }),
      ...['--data-dir', big, '--limit-eval', '200', '--backend', 'wasm', '--out', out],
    ]);
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 0, signal: null });
    const [run] = readResults(out).runs;
    // The premise: the epoch (20,000 images through 1.9 M parameters) outlasted the lock several times over.
    expect(run!.history.seconds[0]).toBeGreaterThan(3 * lockSeconds);
    expect(run!.status).toBe('finished');
    expect(startedJobs(w.stderr)).toHaveLength(1);
    expect(w.stderr).not.toMatch(/could not renew lock|lost the job's lock/);
    expect(sweep.stderr).not.toMatch(/stopped renewing the job lock/);
    expect((await w.kill('SIGTERM')).code).toBe(0);
  });

  it('exits with --exit-when-idle on an empty queue, but stays while a run trains elsewhere and takes it over when that worker dies', async () => {
    const q = ['--queue-name', 'idle'];
    const empty = p.worker([...q, '--exit-when-idle']);
    expect(await empty.exited, empty.stderr).toEqual({ code: 0, signal: null });
    expect(empty.stderr).toContain('fnn-sweep worker: the queue is empty, exiting (--exit-when-idle)');

    const flags = [...q, '--lock-seconds', '2', '--backend', 'wasm'];
    const out = join(tmp('fnn-out-'), 'queue');
    const first = p.worker(flags);
    // Epochs enough that the run still trains while the second worker starts and looks.
    const sweep = p.coordinator([...q, ...oneRun(30), '--out', out]);
    await sweep.waitFor(/epoch 1\/30/);
    const batch = p.worker([...flags, '--exit-when-idle']);
    await batch.waitFor(/nothing to take, but 1 run\(s\) train on other workers/);
    await first.kill('SIGKILL');
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 0, signal: null });
    expect(await batch.exited, batch.stderr).toEqual({ code: 0, signal: null });
    expect(batch.stderr).toMatch(/started on .* \(start 2\)/);
    expect(batch.stderr).toContain('the queue is empty, exiting (--exit-when-idle)');
    const [run] = readResults(out).runs;
    expect(run!.status).toBe('finished');
    expect(run!.resumedFromEpoch).toBeGreaterThanOrEqual(1);
  });

  it("refuses a coordinator's jobs when the worker's data differ, and the run is recorded failed with why", async () => {
    const q = ['--queue-name', 'other-data'];
    const other = writeSyntheticMnist(join(tmp('fnn-idx-'), 'other'), { seed: 8 });
    const w = p.started([
      ...['worker', '--queue', redis.url, ...q, '--data-dir', other],
      ...['--concurrency', '1', '--workers-per-run', '1'],
    ]);
    const out = join(tmp('fnn-out-'), 'queue');
    const sweep = p.coordinator([
      ...q,
      '--grid',
      gridFile({ hidden: [[16]] }),
      ...['--epochs', '1', '--data-dir', data, '--limit-train', '500', '--limit-eval', '100', '--out', out],
    ]);
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 1, signal: null });
    const [run] = readResults(out).runs;
    expect(run!.status).toBe('failed');
    expect(run!.error).toMatch(
      /^job [0-9a-f]{12}-grid was made for the data .*data \(fingerprint [0-9a-f]{12}…\), but this worker has .*other \(fingerprint [0-9a-f]{12}…\); start the worker with --data-dir pointing at the same files as the coordinator \(last on worker [^)]+\), after 1 start\(s\)$/,
    );
    expect(startedJobs(w.stderr)).toEqual([]);
    expect((await w.kill('SIGTERM')).code).toBe(0);
  });
});
