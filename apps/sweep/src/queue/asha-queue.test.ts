import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../executor.js';
import type { ResultsFile } from '../results-store.js';
import type { RungDecision } from '../search/asha.js';
import { CliProcess } from '../../test-support/cli-process.js';
import { runCli } from '../../test-support/cli.js';
import { writeSyntheticMnist } from '../../test-support/idx-fixture.js';
import { checkpointKeys } from '../../test-support/queue-sweep.js';
import { hasRedis, TestRedis } from '../../test-support/redis-server.js';

/** One run at a time on one fixed thread, locally and on a worker: every metric is bit-identical. */
const ONE_SLOT = ['--concurrency', '1', '--workers-per-run', '1', '--fixed-workers'];
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;
const startedJobs = (text: string) => [...text.matchAll(/\] job (\S+) started on/g)].map((m) => m[1]!);
/** Each rung's decisions in the order made. */
const byRung = (decisions: RungDecision[]) => {
  const rungs = new Map<number, RungDecision[]>();
  for (const d of decisions) rungs.set(d.rung, [...(rungs.get(d.rung) ?? []), d]);
  return Object.fromEntries(rungs);
};
/** What must not depend on where or when a run trained: everything but wall times. */
const trained = (r: RunResult) => ({
  id: r.id,
  status: r.status,
  stoppedBy: r.stoppedBy,
  final: r.final,
  loss: r.history.loss,
  accuracy: r.history.accuracy,
  val_loss: r.history.val_loss,
  val_accuracy: r.history.val_accuracy,
});

describe.skipIf(!hasRedis)('ASHA through a BullMQ queue on a real redis-server', () => {
  let redis: TestRedis;
  let search: string[];
  let local: ResultsFile;
  const processes: CliProcess[] = [];
  const started = (args: string[]) => {
    const p = new CliProcess(args);
    processes.push(p);
    return p;
  };
  const worker = (args: string[] = []) =>
    started([
      ...['worker', '--queue', redis.url, '--data-dir', search[search.indexOf('--data-dir') + 1]!],
      ...[...ONE_SLOT, '--backend', 'wasm', ...args],
    ]);
  const coordinator = (args: string[]) => started(['--queue', redis.url, ...args]);
  const checkpoints = () => checkpointKeys(redis.port);

  beforeAll(async () => {
    const data = writeSyntheticMnist(join(tmp('fnn-idx-'), 'data'));
    const space = join(tmp('fnn-space-'), 'space.json');
    writeFileSync(
      space,
      JSON.stringify({ units: { int: [4, 32] }, depth: 1, learningRate: { loguniform: [1e-4, 1e-1] } }),
    );
    // 9 trials, rungs at epochs 1 and 3, R = 9: some trials pause and stop, some are promoted.
    // Validation loss, not accuracy: on this easy data many accuracies tie at 1.
    search = [
      ...['--space', space, '--search', 'random', '--trials', '9', '--seed', '5'],
      ...['--scheduler', 'asha', '--max-epochs', '9', '--metric', 'val_loss', '--mode', 'min'],
      ...['--data-dir', data, '--limit-train', '600', '--limit-eval', '200', '--backend', 'wasm'],
    ];
    const out = join(tmp('fnn-out-'), 'local');
    const run = await runCli([...search, ...ONE_SLOT, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    local = readResults(out);
    redis = await TestRedis.start();
  }, 600_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await redis?.dispose();
  });

  /**
   * The queued search decided and trained as the local one: every rung's decisions in the same
   * order, with the same standings; the statuses; the histories. Only the interleaving of
   * different rungs' decisions may differ: a worker takes its next job as it completes one, so
   * a stretch promoted at that completion trains one job later than in a local slot.
   */
  const expectSameSearch = (queued: ResultsFile) => {
    const decisions = local.search!.decisions;
    expect(decisions.some((d) => d.decision === 'stop')).toBe(true);
    expect(decisions.some((d) => d.decision === 'promote')).toBe(true);
    expect(byRung(queued.search!.decisions)).toEqual(byRung(decisions));
    expect(queued.search!.decisions).toHaveLength(decisions.length);
    expect(queued.runs.map(trained)).toEqual(local.runs.map(trained));
  };

  it('decides each stretch between rungs on the coordinator as the local search does', async () => {
    const w = worker();
    const out = join(tmp('fnn-out-'), 'queue');
    const sweep = coordinator([...search, '--out', out]);
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 0, signal: null });
    await w.kill('SIGTERM');
    const queued = readResults(out);
    expectSameSearch(queued);
    // Promoted runs went on from their Redis checkpoints on the worker, stretch by stretch.
    expect(w.stderr).toMatch(/job [0-9a-f]{12}-t\d\d@1 started on/);
    expect(w.stderr).toMatch(/reached epoch 1, its checkpoint kept/);
    const finished = queued.runs.filter((r) => r.status === 'finished');
    expect(finished.length).toBeGreaterThan(0);
    expect(finished.every((r) => r.history.loss.length === 9 && r.resumedFromEpoch === 3)).toBe(true);
    // A trial trained in three stretches on the worker trains as the same config does in one go.
    const { hidden, dropout, batchNorm, activation, optimizer, learningRate, batchSize, seed } = finished[0]!.config;
    const grid = join(tmp('fnn-grid-'), 'grid.json');
    writeFileSync(
      grid,
      JSON.stringify({
        hidden: [hidden],
        dropout,
        batchNorm,
        activation,
        optimizer,
        learningRate,
        batchSize,
        epochs: 9,
      }),
    );
    const data = search.slice(search.indexOf('--data-dir'));
    const whole = join(tmp('fnn-out-'), 'whole');
    const plain = await runCli(['--grid', grid, '--seed', String(seed), ...data, ...ONE_SLOT, '--out', whole]);
    expect(plain.code, plain.stderr).toBe(0);
    const uninterrupted = readResults(whole).runs[0]!;
    expect(uninterrupted.resumedFromEpoch).toBe(0);
    expect({ ...trained(finished[0]!), id: '' }).toEqual({ ...trained(uninterrupted), id: '' });
    // The stopped runs' checkpoints went when the search ended, the finished runs' when they finished.
    expect(await checkpoints()).toEqual([]);
  }, 600_000);

  it('decides the same when a worker is SIGKILLed mid-stretch and another continues from its checkpoint', async () => {
    const first = worker(['--lock-seconds', '5']);
    const out = join(tmp('fnn-out-'), 'queue');
    const sweep = coordinator([...search, '--out', out]);
    // Killed in the last stretch, from rung 3 to the end, when no other job waits: a worker lost
    // earlier would let the other worker take later jobs first, and ASHA's decisions follow the
    // order trials reach a rung (as with a slow machine).
    const [, last] = await sweep.waitFor(/\[(t\d\d)\] (?:continued|promoted) at epoch 3/, 300_000);
    await sweep.waitFor(new RegExp(`\\[${last}\\] epoch 6/9`), 300_000);
    await first.kill('SIGKILL');
    const second = worker(['--lock-seconds', '5']);
    expect(await sweep.exited, sweep.stderr).toEqual({ code: 0, signal: null });
    await second.kill('SIGTERM');
    expect(sweep.stderr).toMatch(/its worker stopped renewing the job lock/);
    expect(second.stderr).toMatch(new RegExp(`job [0-9a-f]{12}-${last}@3 started on .* \\(start 2\\)`));
    expect(sweep.stderr).toMatch(new RegExp(`\\[${last}\\] resumed from the checkpoint after epoch [4-8]`));
    expectSameSearch(readResults(out));
    expect(await checkpoints()).toEqual([]);
  }, 600_000);

  it('resumes a SIGKILLed coordinator with the decisions made, training no stretch twice, to the end of the search', async () => {
    const w = worker();
    const out = join(tmp('fnn-out-'), 'queue');
    const first = coordinator([...search, '--out', out]);
    await first.waitFor(/\] promoted at epoch 1,/, 300_000);
    await first.kill('SIGKILL');
    const before = (JSON.parse(readFileSync(join(out, 'asha.json'), 'utf8')) as { decisions: RungDecision[] })
      .decisions;
    // The worker trains on meanwhile; the resumed coordinator takes those stretches' results from their jobs.
    const again = coordinator(['--resume', out]);
    expect(await again.exited, again.stderr).toEqual({ code: 0, signal: null });
    await w.kill('SIGTERM');
    const resumed = readResults(out);
    expect(resumed.search!.decisions.slice(0, before.length)).toEqual(before);
    // ASHA's end: every trial finished, or stopped where it waited; none left paused or interrupted.
    for (const run of resumed.runs)
      expect(run.status === 'finished' || run.stoppedBy?.decision === 'stop', `${run.id} ${run.status}`).toBe(true);
    expect(resumed.runs.filter((r) => r.status === 'finished').every((r) => r.history.loss.length === 9)).toBe(true);
    // Each trial's curve is the one it has in the local search, as far as both trained it.
    for (const [i, run] of resumed.runs.entries()) {
      const reference = local.runs[i]!.history.val_loss;
      const n = Math.min(run.history.val_loss.length, reference.length);
      expect(run.history.val_loss.slice(0, n), run.id).toEqual(reference.slice(0, n));
    }
    // No stretch trained twice, and Redis keeps neither jobs nor checkpoints.
    const started = startedJobs(w.stderr);
    expect(new Set(started).size).toBe(started.length);
    expect(await checkpoints()).toEqual([]);
    const queue = new Queue('fnn-sweep', { connection: { host: '127.0.0.1', port: redis.port } });
    const states = ['wait', 'active', 'prioritized', 'completed', 'failed', 'delayed'] as const;
    expect(await queue.getJobCounts(...states)).toEqual(Object.fromEntries(states.map((state) => [state, 0])));
    await queue.close();
  }, 600_000);
});
