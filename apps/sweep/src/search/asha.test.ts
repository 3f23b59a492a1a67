import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { AshaScheduler, describeDecision, rungsFor, type AshaSettings, type RungDecision } from './asha.js';

const SETTINGS: AshaSettings = {
  maxEpochs: 9,
  gracePeriod: 1,
  reductionFactor: 3,
  metric: 'val_accuracy',
  mode: 'max',
};

/**
 * Ten trials A–J reporting to one scheduler in a fixed global order, as three asynchronous
 * workers would (η = 3, r = 1, R = 9: rungs at epochs 1 and 3). At each rung arrival the trial
 * goes on iff its rank (1 + results strictly better) ≤ keep = ⌈n/η⌉, n counting itself; the
 * cut-off is the keep-th best value. Worked by hand:
 *
 *  #  event        rung results so far, best first (this one in [])  n keep rank  cut-off  decision
 *  1  A@1 .50      [.50]                                              1   1    1    .50      continue
 *  2  B@1 .60      [.60] .50                                          2   1    1    .60      continue
 *  3  C@1 .55      .60 [.55] .50                                      3   1    2    .60      stop
 *  4  D@1 .70      [.70] .60 .55 .50                                  4   2    1    .60      continue
 *  5  A@3 .80      [.80]                                              1   1    1    .80      continue
 *  6  E@1 .60      .70 [.60] .60 .55 .50      (tie with B)            5   2    2    .60      continue
 *  7  B@3 .78      .80 [.78]                                          2   1    2    .80      stop
 *  8  F@1 .40      .70 .60 .60 .55 .50 [.40]                          6   2    6    .60      stop
 *  9  D@3 .85      [.85] .80 .78                                      3   1    1    .85      continue
 * 10  G@1 .65      .70 [.65] .60 .60 .55 .50 .40                      7   3    2    .60      continue
 * 11  H@1 .60      .70 .65 [.60] .60 .60 ... (tie with B, E)          8   3    3    .60      continue
 * 12  E@3 .85      [.85] .85 .80 .78          (tie with D)            4   2    1    .85      continue
 * 13  I@1 .58      .70 .65 .60 .60 .60 [.58] .55 .50 .40              9   3    6    .60      stop
 * 14  G@3 .79      .85 .85 .80 [.79] .78                              5   2    4    .85      stop
 * 15  A@9          (the last epoch: no rung, A finishes)
 * 16  H@3 .81      .85 .85 [.81] .80 .79 .78  (late: 5 already there) 6   2    3    .85      stop
 * 17  J@1 .75      [.75] .70 .65 .60 .60 .60 .58 .55 .50 .40  (late)  10  4    1    .60      continue
 * 18  D@5          (not a rung)
 * 19  J@3 .95      [.95] .85 .85 .81 .80 .79 .78                      7   3    1    .85      continue
 *
 * Stopped: C, F, I at epoch 1; B, G, H at epoch 3. Going on to R: A, D, E, J.
 */
const EVENTS: [trial: string, epoch: number, value: number][] = [
  ['A', 1, 0.5],
  ['B', 1, 0.6],
  ['C', 1, 0.55],
  ['D', 1, 0.7],
  ['A', 3, 0.8],
  ['E', 1, 0.6],
  ['B', 3, 0.78],
  ['F', 1, 0.4],
  ['D', 3, 0.85],
  ['G', 1, 0.65],
  ['H', 1, 0.6],
  ['E', 3, 0.85],
  ['I', 1, 0.58],
  ['G', 3, 0.79],
  ['A', 9, 0.9],
  ['H', 3, 0.81],
  ['J', 1, 0.75],
  ['D', 5, 0.86],
  ['J', 3, 0.95],
];

/** The table above: [trial, rung, n, rank, cut-off, decision] per rung event, in order. */
const EXPECTED: [string, number, number, number, number, 'continue' | 'stop'][] = [
  ['A', 1, 1, 1, 0.5, 'continue'],
  ['B', 1, 2, 1, 0.6, 'continue'],
  ['C', 1, 3, 2, 0.6, 'stop'],
  ['D', 1, 4, 1, 0.6, 'continue'],
  ['A', 3, 1, 1, 0.8, 'continue'],
  ['E', 1, 5, 2, 0.6, 'continue'],
  ['B', 3, 2, 2, 0.8, 'stop'],
  ['F', 1, 6, 6, 0.6, 'stop'],
  ['D', 3, 3, 1, 0.85, 'continue'],
  ['G', 1, 7, 2, 0.6, 'continue'],
  ['H', 1, 8, 3, 0.6, 'continue'],
  ['E', 3, 4, 1, 0.85, 'continue'],
  ['I', 1, 9, 6, 0.6, 'stop'],
  ['G', 3, 5, 4, 0.85, 'stop'],
  ['H', 3, 6, 3, 0.85, 'stop'],
  ['J', 1, 10, 1, 0.6, 'continue'],
  ['J', 3, 7, 1, 0.85, 'continue'],
];

function replay(scheduler: AshaScheduler, events = EVENTS, sign = 1) {
  return events.map(([trial, epoch, value]) =>
    scheduler.onEpochEnd(trial, epoch, { val_accuracy: sign * value, val_loss: sign * value }),
  );
}

function asRows(decisions: readonly RungDecision[], sign = 1) {
  return decisions.map((d) => [d.trial, d.rung, d.count, d.rank, sign * d.cutoff, d.decision]);
}

describe('AshaScheduler', () => {
  it('puts rungs at r·η^k epochs below R', () => {
    expect(rungsFor({ maxEpochs: 9, gracePeriod: 1, reductionFactor: 3 })).toEqual([1, 3]);
    expect(rungsFor({ maxEpochs: 10, gracePeriod: 1, reductionFactor: 3 })).toEqual([1, 3, 9]);
    expect(rungsFor({ maxEpochs: 100, gracePeriod: 2, reductionFactor: 4 })).toEqual([2, 8, 32]);
    expect(rungsFor({ maxEpochs: 27, gracePeriod: 3, reductionFactor: 3 })).toEqual([3, 9]);
  });

  it('decides each rung arrival as the hand-worked table says, without waiting for rungs to fill', () => {
    const scheduler = new AshaScheduler(SETTINGS);
    const answers = replay(scheduler);
    // Epochs that are no rung (A@9 is R, D@5 between rungs) get no decision.
    expect(answers.map((a, i) => (a === null ? `${EVENTS[i]![0]}@${EVENTS[i]![1]}` : null)).filter(Boolean)).toEqual([
      'A@9',
      'D@5',
    ]);
    expect(asRows(scheduler.decisions)).toEqual(EXPECTED);
    for (const d of scheduler.decisions) {
      expect(d.metric).toBe('val_accuracy');
      // The rule and the recorded numbers agree: a run goes on iff it is at least as good as the cut-off.
      expect(d.decision === 'continue').toBe(d.value >= d.cutoff);
      expect(d.decision === 'continue').toBe(d.rank <= Math.ceil(d.count / 3));
    }
  });

  it('mirrors the decisions for a metric to minimise', () => {
    const scheduler = new AshaScheduler({ ...SETTINGS, metric: 'val_loss', mode: 'min' });
    replay(scheduler, EVENTS, -1);
    expect(asRows(scheduler.decisions, -1)).toEqual(EXPECTED);
  });

  it('answers a repeated question with the recorded decision and records it once', () => {
    const scheduler = new AshaScheduler(SETTINGS);
    replay(scheduler);
    const again = scheduler.onEpochEnd('C', 1, { val_accuracy: 0.99, val_loss: 0 });
    expect(again).toMatchObject({ trial: 'C', rung: 1, value: 0.55, decision: 'stop' });
    expect(scheduler.decisions).toHaveLength(EXPECTED.length);
  });

  it('resumes from its recorded decisions and goes on exactly as without the interruption', () => {
    const whole = new AshaScheduler(SETTINGS);
    replay(whole);
    const first = new AshaScheduler(SETTINGS);
    replay(first, EVENTS.slice(0, 10));
    const saved = JSON.parse(JSON.stringify(first.decisions)) as RungDecision[];
    const resumed = new AshaScheduler(SETTINGS, saved);
    replay(resumed, EVENTS.slice(10));
    expect(resumed.decisions).toEqual(whole.decisions);
  });

  it('rejects recorded decisions that do not fit its settings', () => {
    const bad = [
      { trial: 'A', rung: 2, metric: 'val_accuracy', value: 0.5, cutoff: 0.5, rank: 1, count: 1, decision: 'continue' },
    ];
    expect(() => new AshaScheduler(SETTINGS, bad as RungDecision[])).toThrow(
      /^decisions\[0\]: expected a rung decision \{trial, rung \(one of 1, 3\), metric "val_accuracy"/,
    );
    const twice = [
      { ...bad[0]!, rung: 1 },
      { ...bad[0]!, rung: 1 },
    ];
    expect(() => new AshaScheduler(SETTINGS, twice as RungDecision[])).toThrow(
      'decisions[1]: A is already recorded at rung 1.',
    );
  });

  it('checks its settings with messages naming the option', () => {
    const make = (over: Partial<AshaSettings>) => () => new AshaScheduler({ ...SETTINGS, ...over });
    expect(make({ reductionFactor: 1 })).toThrow(
      new ConfigError('--reduction-factor: expected an integer ≥ 2, but got 1.'),
    );
    expect(make({ gracePeriod: 9 })).toThrow(
      '--grace-period 9: expected fewer epochs than --max-epochs 9, or no trial could be stopped.',
    );
    expect(make({ maxEpochs: 2.5 })).toThrow('--max-epochs: expected a positive integer, but got 2.5.');
    expect(make({ mode: 'min' })).toThrow(
      '--mode "min" with --metric val_accuracy: expected max (the other way round ASHA would keep the worst trials).',
    );
  });

  it('describes a decision for the table and the logs', () => {
    const scheduler = new AshaScheduler(SETTINGS);
    replay(scheduler);
    expect(describeDecision(scheduler.decisions[2]!)).toBe(
      'stopped at epoch 1: val_accuracy 0.5500 worse than the cut-off 0.6000 (rank 2 of 3 at rung 1)',
    );
  });
});
