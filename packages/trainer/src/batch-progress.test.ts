import { afterAll, describe, expect, it } from 'vitest';
import { setBackend, ValueError } from '@fnn/core';
import { classificationData, denseModel, relativeDifference } from '../test-support/fixtures.js';
import { BATCH_PROGRESS_INTERVAL_MS, batchProgressCallback } from './main-thread/batch-progress.js';
import { DataParallelTrainer, type BatchProgress } from './index.js';
import { replicaWeightsOf, withTestHooks, type RunProbe } from './testing.js';

process.env.FNN_QUIET = '1';
await setBackend('wasm');

describe('batchProgressCallback', () => {
  /** Drives the callback as the training loop does, batch b ending at times[b] (ms). */
  function drive(batches: number, epochs: number, times: (epoch: number, batch: number) => number, stopAt?: number) {
    let clock = 0;
    const reports: BatchProgress[] = [];
    const callback = batchProgressCallback(
      (p) => reports.push(p),
      batches,
      100,
      () => clock,
    );
    for (let epoch = 0; epoch < epochs; epoch++) {
      callback.onEpochBegin!(epoch);
      for (let batch = 0; batch < (stopAt ?? batches); batch++) {
        clock = times(epoch, batch);
        callback.onBatchEnd!(batch, { loss: batch / 10 });
      }
      callback.onEpochEnd!(epoch, {});
    }
    return reports.map((r) => `${r.epoch}:${r.batch}/${r.batches} loss ${r.logs.loss}`);
  }

  it('reports at most once per interval, the first batch at once and every epoch’s last batch', () => {
    // Batches end every 30 ms: reports at 0, 120 (≥ 100 after 0), 240, and the last batch (270).
    expect(drive(10, 1, (_, b) => b * 30)).toEqual([
      '0:0/10 loss 0',
      '0:4/10 loss 0.4',
      '0:8/10 loss 0.8',
      '0:9/10 loss 0.9',
    ]);
    // The interval runs across epochs: epoch 1's batches end 30, 60 and 90 ms after epoch 0's
    // last report (too soon), then its last batch is reported regardless.
    expect(drive(4, 2, (e, b) => (e * 4 + b) * 30)).toEqual(['0:0/4 loss 0', '0:3/4 loss 0.3', '1:3/4 loss 0.3']);
  });

  it('reports every batch when batches are further apart than the interval', () => {
    expect(drive(3, 1, (_, b) => b * 150)).toEqual(['0:0/3 loss 0', '0:1/3 loss 0.1', '0:2/3 loss 0.2']);
  });

  it('reports the last completed batch of an epoch that stopped early', () => {
    // Training stopped after batch 4 of 10 (stopTraining): batch 4 is reported at the epoch end.
    expect(drive(10, 1, (_, b) => b * 10, 5)).toEqual(['0:0/10 loss 0', '0:4/10 loss 0.4']);
  });
});

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
