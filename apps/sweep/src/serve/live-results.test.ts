import { describe, expect, it } from 'vitest';
import { fakeResult } from '../../test-support/fake-runs.js';
import { defaultRuns } from '../run-config.js';
import { reportData, type ReportData } from '../report/report-data.js';
import { LiveResults } from './live-results.js';
import { liveData } from './page.js';

const [a, b, c] = defaultRuns();
const meta = { backend: 'cpu', cores: 2, concurrency: 2, workersPerRun: 1 };
const end = (id: string, epoch: number, loss: number) => ({
  id,
  epoch,
  epochs: 5,
  batch: 1,
  batches: 1,
  workers: 2,
  epochEnd: { loss, accuracy: 0.5, val_loss: loss, val_accuracy: 0.5, seconds: 1 },
});

describe('LiveResults', () => {
  it('lists ended and training runs in plan order, with the epochs ended so far', () => {
    const live = new LiveResults({ runs: [a!, b!, c!], meta, trainSize: 100, previous: new Map() });
    live.runStarted(b!.id);
    live.runStarted(a!.id);
    expect(live.epochEnded({ ...end(b!.id, 1, 0.9), epochEnd: undefined })).toBe(false);
    expect(live.epochEnded(end(b!.id, 1, 0.9))).toBe(true);
    expect(live.epochEnded(end(b!.id, 2, 0.8))).toBe(true);
    live.runEnded(fakeResult(a!));
    const snap = live.snapshot();
    expect(snap.runs.map((r) => [r.id, r.status, r.history.loss])).toEqual([
      [a!.id, 'finished', fakeResult(a!).history.loss],
      [b!.id, 'running', [0.9, 0.8]],
    ]);
    expect(snap.runs[1]!.workers).toBe(2);
    expect(snap.sweep.status).toBe('running');
    expect(snap.comparison.map((r) => [r.configId, r.status])).toEqual([
      [a!.configId, 'finished'],
      [b!.configId, 'running'],
    ]);
  });

  it("picks the page's x-axis from every planned run: 25-epoch runs training, a 5-epoch one still to start", () => {
    const runs = defaultRuns().filter((r) => ['wide', 'wide-deep', 'wide-deep-bn'].includes(r.id));
    const live = new LiveResults({ runs, meta, trainSize: 100, previous: new Map() });
    for (const id of ['wide-deep', 'wide-deep-bn']) live.runStarted(id);
    const snap = live.snapshot();
    expect(snap.runs.map((r) => r.config.epochs)).toEqual([25, 25]);
    expect(live.plannedEpochs()).toEqual([5, 25, 25]);
    // From the started runs alone (25 and 25) the page would start on epochs, then jump when wide starts.
    expect((reportData(snap).curves as { defaultX: string }).defaultX).toBe('epoch');
    expect((liveData(snap, live.plannedEpochs()) as ReportData).curves.defaultX).toBe('fraction');
  });

  it('on --resume shows finished runs at once and continues an interrupted run’s curve', () => {
    const interrupted = { ...fakeResult(b!, 'interrupted'), history: fakeResult(b!).history };
    const previous = new Map([
      [a!.id, fakeResult(a!)],
      [b!.id, interrupted],
    ]);
    const live = new LiveResults({ runs: [a!, b!], meta, trainSize: 100, previous });
    expect(live.snapshot().runs.map((r) => r.id)).toEqual([a!.id]);
    live.runStarted(b!.id);
    // Resumed from epoch 2: epoch 3 replaces what followed it in the interrupted record.
    live.epochEnded(end(b!.id, 3, 0.1));
    const run = live.snapshot().runs[1]!;
    expect(run.history.loss).toEqual([...interrupted.history.loss.slice(0, 2), 0.1]);
    expect(run.history.workers).toEqual([1, 1, 2]);
    // The record it came from is not changed.
    expect(previous.get(b!.id)!.history.loss).toHaveLength(b!.epochs);
  });

  it('continues the curve of a run ASHA paused when it is promoted later', () => {
    const live = new LiveResults({ runs: [a!], meta, trainSize: 100, previous: new Map() });
    live.runStarted(a!.id);
    live.epochEnded(end(a!.id, 1, 0.9));
    const full = fakeResult(a!);
    const history = Object.fromEntries(
      Object.entries(full.history).map(([key, values]) => [key, values.slice(0, 1)]),
    ) as typeof full.history;
    const pause = { trial: a!.id, rung: 1, metric: 'val_accuracy' as const, value: 0.5, cutoff: null, rank: 1 };
    const stoppedBy = { ...pause, count: 1, keep: 0, decision: 'pause' as const };
    live.runEnded({ ...full, status: 'stopped', final: null, history, stoppedBy });
    live.runStarted(a!.id);
    live.epochEnded(end(a!.id, 2, 0.8));
    expect(live.snapshot().runs[0]!.history.loss).toEqual([history.loss[0], 0.8]);
  });

  it('shows the sweep’s own results once it ends', () => {
    const live = new LiveResults({ runs: [a!], meta, trainSize: 100, previous: new Map() });
    const final = { ...live.snapshot(), runs: [fakeResult(a!)] };
    live.finish(final);
    expect(live.snapshot()).toBe(final);
  });
});
