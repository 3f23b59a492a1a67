import { describe, expect, it } from 'vitest';
import type { RunProgress, RunResult } from './executor.js';
import { SweepTracker } from './sweep-eta.js';

/** Progress of a 10-epoch run of 10 batches per epoch. */
const at = (id: string, epoch: number, batch: number): RunProgress => ({ id, epoch, epochs: 10, batch, batches: 10 });
const finished = (id: string) =>
  ({
    id,
    status: 'finished',
    history: { loss: Array(10).fill(0.1) },
    resumedFromEpoch: 0,
    config: { epochs: 10 },
  }) as unknown as RunResult;

describe('SweepTracker ETA', () => {
  // A queued sweep: 4 runs of cost 1 are enqueued at once, 2 workers train 2 of them at a time,
  // each run takes 100 s. The coordinator knows none of this but the progress it receives.
  it('counts only the runs training, and training time only, as measured from progress', () => {
    let now = 0;
    const tracker = new SweepTracker(4, 4, () => now);
    for (const id of ['a', 'b', 'c', 'd']) tracker.start(id, 1);
    expect(tracker.eta()).toBeNull();

    now = 1000; // the workers took a and b; their first batch is done
    tracker.observe(at('a', 1, 1));
    tracker.observe(at('b', 1, 1));
    now = 2000; // under 2 s of measured training: no ETA yet
    tracker.observe(at('a', 1, 2));
    expect(tracker.eta()).toBeNull();

    now = 51_000;
    tracker.observe(at('a', 6, 1));
    tracker.observe(at('b', 6, 1));
    // a and b: 50 s for 0.50 of a run each (0.01 → 0.51): 100 s per unit of cost. Left: 0.49 + 0.49
    // + 1 + 1 = 2.98 units, 2 runs training at once (c and d wait in the queue): 2.98 × 100 / 2 = 149 s.
    expect(tracker.eta()).toBeCloseTo(149, 6);
    // a's own ETA: 50 s × 0.49 / 0.50 = 49 s.
    expect(tracker.runEta(tracker.active.get('a')!)).toBeCloseTo(49, 6);

    now = 101_000; // a and b end after 100 s of training (not 101 s since they were enqueued)
    tracker.observe(at('a', 10, 10));
    tracker.end(finished('a'));
    tracker.end(finished('b'));
    tracker.observe({ ...at('c', 0, 0), note: 'training on worker w1' });
    tracker.observe({ ...at('d', 0, 0), note: 'training on worker w2' });
    // Ended: 2 units in 200 s. Left: c and d, 1 unit each, both training: 2 × 100 / 2 = 100 s.
    expect(tracker.eta()).toBeCloseTo(100, 6);
    expect(tracker.finished).toBe(2);
  });

  it('is never shorter than the longest active run has left on its own', () => {
    let now = 0;
    const tracker = new SweepTracker(2, 1.5, () => now);
    tracker.start('long', 1);
    tracker.start('short', 0.5);
    tracker.observe(at('long', 1, 1));
    tracker.observe(at('short', 1, 1));
    now = 10_000;
    tracker.observe(at('long', 2, 1)); // 0.1 of the long run in 10 s: 90 s left on its own
    tracker.observe(at('short', 10, 1)); // 0.9 of the short one in 10 s
    // Pooled: (0.1 × 1 + 0.9 × 0.5) units in 20 s = 36.36 s per unit; left 0.89 × 1 + 0.09 × 0.5
    // = 0.935 units over 2 runs: 17 s — but the long run alone needs 10 × 0.89 / 0.1 = 89 s.
    expect(tracker.eta()).toBeCloseTo(89, 6);
  });

  it('counts a run ASHA paused and promoted later once, and moves it when its second part is interrupted', () => {
    const tracker = new SweepTracker(1, 1);
    const paused = { ...finished('a'), status: 'stopped', history: { loss: [0.1] } } as unknown as RunResult;
    tracker.start('a', 1);
    tracker.end(paused);
    tracker.start('a', 1);
    tracker.end({ ...finished('a'), resumedFromEpoch: 1 } as RunResult);
    expect([tracker.finished, tracker.failed, tracker.interrupted]).toEqual([1, 0, 0]);
    tracker.start('a', 1);
    tracker.end({ ...finished('a'), status: 'interrupted' } as RunResult);
    expect([tracker.finished, tracker.interrupted]).toEqual([0, 1]);
  });
});
