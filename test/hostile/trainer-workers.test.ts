import { describe, expect, it } from 'vitest';
import { REPORT_PEAK_RSS, runBounded } from './bounded-child.js';

// Issue class 4 (unbounded resources): a trainer asked for 1000 worker threads used to start
// hundreds of them and grow by ~150 MB/s; now it is refused before any thread starts.
describe('DataParallelTrainer with an absurd worker count', () => {
  it('refuses workers: 1000 at once, naming the option, the value and the bound', async () => {
    const run = await runBounded(
      `${REPORT_PEAK_RSS}
      import { DataParallelTrainer } from '@fnn/trainer';
      try {
        new DataParallelTrainer({ workers: 1000 });
        console.log('accepted');
      } catch (error) {
        console.log(error.name + ': ' + error.message);
      }`,
      { memoryMb: 2048, timeoutMs: 30_000 },
    );
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /ValueError: DataParallelTrainer: expected workers to be at most \d+ \(.+\), but got 1000\./,
    );
    // Nothing but Node and the packages loaded: no worker thread's isolate or heap.
    expect(run.peakMb).toBeLessThan(400);
  });
});
