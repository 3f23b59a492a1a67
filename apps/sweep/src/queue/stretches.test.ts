import { describe, expect, it } from 'vitest';
import type { RunContext, RunResult } from '../executor.js';
import { defaultRuns } from '../run-config.js';
import { AshaScheduler, rungsFor } from '../search/asha.js';
import { placeholder } from '../sweep.js';
import { stretchFrom, stretchJobId, stretchPriority, trainByStretches, type Stretch } from './stretches.js';

const config = { ...defaultRuns()[0]!, id: 'a', epochs: 9 };
const settings = { maxEpochs: 9, gracePeriod: 1, reductionFactor: 3, metric: 'val_loss', mode: 'min' } as const;
const rungs = rungsFor(settings); // [1, 3]

/** A worker's result for a stretch: val_loss 1/epoch, 2 s an epoch, resumed where the stretch starts. */
function trainedStretch({ from, until }: Stretch): RunResult {
  const epochs = Array.from({ length: until }, (_, i) => 1 / (i + 1));
  const history = {
    loss: epochs,
    accuracy: epochs,
    val_loss: epochs,
    val_accuracy: epochs,
    seconds: epochs,
    workers: epochs.map(() => 1),
  };
  const result = placeholder(config, until < config.epochs ? 'stopped' : 'finished', '');
  return {
    ...result,
    error: undefined,
    history,
    resumedFromEpoch: from,
    trainSize: 100,
    timing: {
      ...result.timing,
      startedAt: `start ${from}`,
      finishedAt: `end ${until}`,
      wallSeconds: 2 * (until - from),
    },
  };
}

function context(scheduler: AshaScheduler, from = 0): RunContext {
  return {
    checkpointDir: '',
    onProgress: () => {},
    signal: new AbortController().signal,
    shouldStop: (epoch, metrics) => {
      const d = scheduler.onEpochEnd(config.id, epoch, metrics);
      return d?.decision === 'pause' || d?.decision === 'stop' ? d : null;
    },
    rungs: { epochs: scheduler.rungs, from },
  };
}

describe("an ASHA trial's stretches through the queue", () => {
  it('ends each stretch at the next rung (or R), names it by where it starts, and takes higher rungs first', () => {
    expect(stretchFrom(rungs, 0, 9)).toEqual({ from: 0, until: 1 });
    expect(stretchFrom(rungs, 1, 9)).toEqual({ from: 1, until: 3 });
    expect(stretchFrom(rungs, 3, 9)).toEqual({ from: 3, until: 9 });
    expect(stretchJobId('0123456789ab', 'a', 0)).toBe('0123456789ab-a');
    expect(stretchJobId('0123456789ab', 'a', 3)).toBe('0123456789ab-a@3');
    expect([0, 1, 3].map((from) => stretchPriority(rungs, from))).toEqual([3, 2, 1]);
  });

  it('asks the scheduler at each stretch end: goes on while promoted, pauses where it waits, time and history joined', async () => {
    // A first trial at rung 1 has ⌊1/3⌋ = 0 places above it: it pauses there.
    const scheduler = new AshaScheduler(settings);
    const asked: Stretch[] = [];
    const run = (s: Stretch) => {
      asked.push(s);
      return Promise.resolve(trainedStretch(s));
    };
    const paused = await trainByStretches(config, context(scheduler), run);
    expect(asked).toEqual([{ from: 0, until: 1 }]);
    expect([paused.status, paused.stoppedBy?.decision, paused.history.loss.length]).toEqual(['stopped', 'pause', 1]);

    // Two worse trials arrive: it is promoted, trains its stretch from its rung-1 checkpoint to
    // rung 3 and, the first there, pauses again.
    scheduler.onEpochEnd('b', 1, { val_loss: 2, val_accuracy: 0 });
    scheduler.onEpochEnd('c', 1, { val_loss: 3, val_accuracy: 0 });
    expect(scheduler.promote()?.trial).toBe('a');
    asked.length = 0;
    const promoted = await trainByStretches(config, context(scheduler, 1), run);
    expect(asked).toEqual([{ from: 1, until: 3 }]);
    expect([promoted.status, promoted.stoppedBy?.decision, promoted.history.loss.length]).toEqual([
      'stopped',
      'pause',
      3,
    ]);
    expect(promoted.resumedFromEpoch).toBe(1);
  });

  it('joins the stretches of a trial that goes on in place into one result, as a local run reports it', async () => {
    // Promoted in place at both rungs: two trials already wait at each, worse than it.
    const scheduler = new AshaScheduler(settings);
    for (const [trial, value] of [
      ['x', 5],
      ['y', 6],
    ] as const) {
      scheduler.onEpochEnd(trial, 1, { val_loss: value, val_accuracy: 0 });
      scheduler.onEpochEnd(trial, 3, { val_loss: value, val_accuracy: 0 });
    }
    const asked: Stretch[] = [];
    const result = await trainByStretches(config, context(scheduler), (s) => {
      asked.push(s);
      return Promise.resolve(trainedStretch(s));
    });
    expect(asked).toEqual([
      { from: 0, until: 1 },
      { from: 1, until: 3 },
      { from: 3, until: 9 },
    ]);
    expect(result.status).toBe('finished');
    expect(result.stoppedBy).toBeUndefined();
    expect(result.history.loss).toHaveLength(9);
    expect(result.resumedFromEpoch).toBe(0);
    expect(result.timing).toEqual({ startedAt: 'start 0', finishedAt: 'end 9', wallSeconds: 18, samplesPerSecond: 50 });
    expect(scheduler.decisions.filter((d) => d.trial === 'a').map((d) => [d.rung, d.decision])).toEqual([
      [1, 'continue'],
      [3, 'continue'],
    ]);
  });

  it('fails the run, not the sweep, when the scheduler refuses a metric', async () => {
    const scheduler = new AshaScheduler(settings);
    const result = await trainByStretches(config, context(scheduler), (s) => {
      const r = trainedStretch(s);
      return Promise.resolve({ ...r, history: { ...r.history, val_loss: [Number.NaN] } });
    });
    expect(result.status).toBe('failed');
    expect(result.error).toBe("ASHA: a's val_loss after epoch 1 is NaN");
  });
});
