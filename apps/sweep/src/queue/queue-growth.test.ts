import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../executor.js';
import type { ResultsFile } from '../results-store.js';
import { CliProcess } from '../../test-support/cli-process.js';
import { runCli } from '../../test-support/cli.js';
import { writeSyntheticMnist } from '../../test-support/idx-fixture.js';
import { hasRedis, TestRedis } from '../../test-support/redis-server.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const runOf = (dir: string, id: string) =>
  (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile).runs.find((r) => r.id === id)!;
const curves = (r: RunResult) => ({ loss: r.history.loss, val_loss: r.history.val_loss, final: r.final });

describe.skipIf(!hasRedis)('a queue worker grows its last run onto its idle slot, as a local sweep does', () => {
  let redis: TestRedis;
  let common: string[];
  let data: string;
  let local: string;
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start();
    data = writeSyntheticMnist(join(tmp('fnn-idx-'), 'data'));
    const grid = join(tmp('fnn-grid-'), 'grid.json');
    // e60 must still be training when e1 (taken second, after a queue round trip) ends and frees its
    // slot: 60 short epochs leave it seconds of margin, 12 did not on a loaded machine.
    writeFileSync(grid, JSON.stringify({ hidden: [[32]], epochs: [60, 1] }));
    common = ['--grid', grid, '--data-dir', data, '--limit-train', '1000', '--limit-eval', '200', '--backend', 'wasm'];
    local = join(tmp('fnn-out-'), 'local');
    const split = '--fixed-workers --concurrency 2 --workers-per-run 1'.split(' ');
    const fixed = await runCli([...common, ...split, '--out', local]);
    expect(fixed.code, fixed.stderr).toBe(0);
    // A local sweep of its own: far longer than vitest's 10 s for a hook on a loaded machine.
  }, 300_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await redis?.dispose();
  });

  /** A sweep through one worker process training 2 runs at once × 1 thread (this machine's default split). */
  async function queued(workerArgs: string[], queueName: string): Promise<{ out: string; log: string }> {
    const worker = new CliProcess(
      [
        'worker',
        '--queue',
        redis.url,
        '--queue-name',
        queueName,
        '--concurrency',
        '2',
        '--workers-per-run',
        '1',
        '--data-dir',
        data,
        '--backend',
        'wasm',
        ...workerArgs,
      ],
      { FNN_SWEEP_MIN_GROW_SECONDS: '0' }, // grow however little training is left (the runs are tiny)
    );
    processes.push(worker);
    await worker.waitFor(/waiting for jobs/);
    const out = join(tmp('fnn-out-'), queueName);
    const sweep = await runCli(['--queue', redis.url, '--queue-name', queueName, ...common, '--out', out]);
    expect(sweep.code, sweep.stderr).toBe(0);
    await worker.kill('SIGTERM');
    return { out, log: sweep.stderr };
  }

  it('continues the long run on both threads once the queue is empty, training the same weights', async () => {
    const { out, log } = await queued([], 'grows');
    const run = runOf(out, 'e60');
    expect(log).toMatch(/\[e60\] continues on 2 worker\(s\) \(was 1\) from epoch \d+: cores freed up/);
    expect(run.status).toBe('finished');
    expect(run.history.workers).toContain(2);
    // Never 3: the worker released both slots while it waited for jobs, and claimed them back
    // when it took these; only the slot the short run left idle was lent.
    expect(Math.max(...run.history.workers)).toBe(2);
    expect(run.history.workers[0]).toBe(1);
    // No dropout, no batch norm: 2 shards averaged give the batch's gradient and Adam's state
    // carries over, so the grown run trains the weights of the run that stayed on one thread.
    const reference = runOf(local, 'e60');
    for (const key of ['loss', 'val_loss'] as const) {
      for (const [i, v] of run.history[key].entries()) expect(v).toBeCloseTo(reference.history[key][i]!, 4);
    }
    expect(run.final!.testLoss).toBeCloseTo(reference.final!.testLoss, 4);
  });

  it('keeps every run on its thread with --fixed-workers, equal to a local --fixed-workers sweep', async () => {
    const { out, log } = await queued(['--fixed-workers'], 'fixed');
    expect(log).not.toMatch(/continues on 2 worker/);
    for (const id of ['e60', 'e1']) {
      const run = runOf(out, id);
      expect(run.history.workers).toEqual(Array(run.config.epochs).fill(1));
      expect(curves(run)).toEqual(curves(runOf(local, id)));
    }
  });

  it('shards each run over --workers-per-run threads, equal to a local sweep of the same split', async () => {
    const twoThreads = ['--fixed-workers', '--concurrency', '1', '--workers-per-run', '2'];
    const reference = join(tmp('fnn-out-'), 'local-2');
    const run = await runCli([...common, ...twoThreads, '--out', reference]);
    expect(run.code, run.stderr).toBe(0);
    const { out } = await queued(twoThreads, 'two-threads');
    for (const id of ['e60', 'e1']) {
      const queuedRun = runOf(out, id);
      expect(queuedRun.history.workers).toEqual(Array(queuedRun.config.epochs).fill(2));
      expect(curves(queuedRun)).toEqual(curves(runOf(reference, id)));
    }
  });
});
