import { afterAll, describe, expect, it } from 'vitest';
import { setBackend, ValueError } from '@fnn/core';
import { classificationData, denseModel, relativeDifference } from '../test-support/fixtures.js';
import { BATCH_PROGRESS_INTERVAL_MS } from './main-thread/batch-progress.js';
import { DataParallelTrainer, type BatchProgress } from './index.js';
import { replicaWeightsOf, withTestHooks, type RunProbe } from './testing.js';

process.env.FNN_QUIET = '1';
await setBackend('wasm');

// The throttle itself (batchProgressCallback) is @fnn/core's and tested there; these check the
// trainer drives it from the main thread without slowing the workers.
describe('DataParallelTrainer onBatchProgress', () => {
  const data = classificationData(512);
  const trainer = new DataParallelTrainer({ workers: 2, backend: 'wasm' });
  afterAll(() => trainer.close());
  const args = { epochs: 2, batchSize: 8, seed: 3, verbose: 0 as const };
  const batches = 512 / 8;

  it('reports monotone progress, throttled, ending with each epoch’s last batch and its epoch logs', async () => {
    const reports: BatchProgress[] = [];
    const model = denseModel();
    const started = performance.now();
    const history = await trainer.fit(model, data.x, data.y, { ...args, onBatchProgress: (p) => reports.push(p) });
    const elapsed = performance.now() - started;
    expect(reports.length).toBeGreaterThanOrEqual(2);
    // Throttled: at most one report per interval, plus each epoch's last batch.
    expect(reports.length).toBeLessThanOrEqual(Math.ceil(elapsed / BATCH_PROGRESS_INTERVAL_MS) + 1 + args.epochs);
    for (let i = 1; i < reports.length; i++) {
      const [a, b] = [reports[i - 1]!, reports[i]!];
      expect(b.epoch > a.epoch || (b.epoch === a.epoch && b.batch > a.batch)).toBe(true);
    }
    for (const report of reports) expect(report.batches).toBe(batches);
    for (let epoch = 0; epoch < args.epochs; epoch++) {
      const last = reports.filter((r) => r.epoch === epoch).at(-1)!;
      expect(last.batch).toBe(batches - 1);
      // The last batch's running means are the epoch's logs.
      expect(last.logs.loss).toBeCloseTo(history.history.loss![epoch]!, 12);
      expect(last.logs.accuracy).toBeCloseTo(history.history.accuracy![epoch]!, 12);
    }
  });

  it('never makes the workers wait for the main thread, and changes nothing in the training', async () => {
    let probe: RunProbe | undefined;
    const granted: number[] = [];
    const observed = denseModel();
    await trainer.fit(
      observed,
      data.x,
      data.y,
      withTestHooks(
        { ...args, onBatchProgress: () => void granted.push(probe!.stepsGranted()) },
        { onStart: (run) => (probe = run), collectReplicaWeights: true },
      ),
    );
    // Each epoch's steps were all granted at its start, as without the hook (a batch callback
    // would have granted them one at a time).
    expect(granted[0]).toBe(batches);
    expect(granted.at(-1)).toBe(2 * batches);
    const [r0, r1] = replicaWeightsOf(trainer)!;
    expect(Buffer.from(r0!.buffer).equals(Buffer.from(r1!.buffer))).toBe(true);
    const plain = denseModel();
    await trainer.fit(plain, data.x, data.y, args);
    expect(relativeDifference(plain.getWeights(), observed.getWeights())).toBe(0);
  });

  it('rejects an onBatchProgress that is not a function before any thread starts', async () => {
    const fresh = new DataParallelTrainer({ workers: 2, backend: 'wasm' });
    await expect(fresh.fit(denseModel(), data.x, data.y, { ...args, onBatchProgress: 'yes' as never })).rejects.toThrow(
      new ValueError('DataParallelTrainer.fit: expected onBatchProgress to be a function, but got "yes".'),
    );
    expect(fresh.liveThreads).toBe(0);
    await fresh.close();
  });
});
