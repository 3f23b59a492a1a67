import { describe, expect, it } from 'vitest';
import type { RunProgress } from '../executor.js';
import { PROGRESS_INTERVAL_MS, ProgressSender } from './progress-sender.js';

const batch = (n: number): RunProgress => ({ id: 'wide', epoch: 1, epochs: 2, batch: n, batches: 430 });
const epochEnd: RunProgress = {
  ...batch(430),
  epochEnd: { loss: 0.3, accuracy: 0.9, val_loss: 0.2, val_accuracy: 0.95, seconds: 4 },
};

describe('ProgressSender', () => {
  it('sends at most one batch update per interval, every epoch end and note at once, in order', async () => {
    const attempted: RunProgress[] = [];
    const sent: RunProgress[] = [];
    let clock = 0;
    const job = {
      updateProgress: async (p: object) => {
        attempted.push(p as RunProgress);
        // The first update fails (Redis away): the ones after it still go.
        if (attempted.length === 1) throw new Error('connection lost');
        sent.push(p as RunProgress);
      },
    };
    const sender = new ProgressSender(job, () => clock);
    sender.send(batch(1)); // the first batch update goes (and fails)
    for (let n = 2; n <= 200; n++) {
      clock += 4; // 4 ms a batch: the next 199 within the interval
      sender.send(batch(n));
    }
    clock = PROGRESS_INTERVAL_MS;
    sender.send(batch(251));
    sender.send(batch(252));
    const note = { ...batch(252), note: 'resumed from the checkpoint after epoch 3' };
    sender.send(epochEnd);
    sender.send(note);
    await sender.flush();
    expect(attempted).toEqual([batch(1), batch(251), epochEnd, note]);
    expect(sent).toEqual([batch(251), epochEnd, note]);
  });
});
