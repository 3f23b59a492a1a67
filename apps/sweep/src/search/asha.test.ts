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
 * Twelve trials A–L on several asynchronous slots, as one global sequence of events (η = 3,
 * r = 1, R = 9: rungs at epochs 1 and 3). `X@e v` is trial X ending epoch e with val_accuracy v;
 * `job` is a slot asking for work (get_job). At a rung arrival the result is recorded, then
 * get_job's candidate is computed: from the highest rung down, the first trial of the rung's
 * ranking (best first, equal values by arrival) within the top keep = ⌊n/η⌋ that is not promoted
 * yet, provided fewer than keep were promoted from that rung. The arrival goes on in place
 * ("continue") iff it is that candidate, else it pauses; `job` promotes the candidate, or finds
 * none (the slot starts a new trial or, with none left, waits). Worked by hand:
 *
 *  #  event       rung ranking after the event, best first (P promoted)        n keep P-before  answer             rank cut-off
 *  1  A@1 .50     A.50                                                         1  0   0   pause                  1   –
 *  2  B@1 .60     B.60 A.50                                                    2  0   0   pause                  1   –
 *  3  C@1 .55     B.60 C.55 A.50          candidate B (paused at #2)           3  1   0   pause                  2   .60
 *  4  job         B promoted from rung 1 (late: after C's arrival)             3  1   0   promote B              1   .60
 *  5  job         rung 1 has its 1 promotion: nothing                                              none
 *  6  D@1 .70     D.70 B.60P C A          D is in the top 1, but B holds it    4  1   1   pause                  1   .70
 *  7  E@1 .60     D.70 B.60P E.60 C A     tie with B: B arrived first          5  1   1   pause                  3   .70
 *  8  F@1 .40     D.70 B.60P E.60 C A F.40  candidate D                        6  2   1   pause                  6   .60
 *  9  B@3 .80     rung 3: B.80; rung 1's candidate D comes first               1  0   0   pause                  1   –
 * 10  job         D promoted from rung 1                                       6  2   1   promote D              1   .60
 * 11  G@1 .65     D.70P G.65 B.60P E H..  rung 1 has its 2 promotions          7  2   2   pause                  2   .65
 * 12  H@1 .60     D.70P G.65 B.60P E.60 H.60 C A F  (tie with B, E: last)      8  2   2   pause                  5   .65
 * 13  I@1 .65     D.70P G.65 I.65 B.60P ...  tie with G at the cut: G first    9  3   2   pause                  3   .65
 * 14  D@3 .85     rung 3: D.85 B.80; rung 1's candidate is G                   2  0   0   pause                  1   –
 * 15  job         G promoted from rung 1 (after I's later arrival)             9  3   2   promote G              2   .65
 * 16  job         rung 1 has its 3 promotions, rung 3 none yet: nothing                            none
 * 17  J@1 .75     J.75 D.70P G.65P I.65 B.60P ...                             10  3   3   pause                  1   .65
 * 18  K@1 .62     J D G I K.62 B E H C A F  (late: after rung 3's results)    11  3   3   pause                  5   .65
 * 19  L@1 .90     L.90 J.75 D.70P G.65P I K B E H C A F  candidate L itself   12  4   3   continue               1   .65
 * 20  job         nothing (rung 1: 4 of 4 promoted; rung 3: keep 0)                                none
 * 21  G@2 .66     (not a rung)                                                                     null
 * 22  L@3 .95     rung 3: L.95 D.85 B.80  candidate L itself                   3  1   0   continue               1   .95
 * 23  G@3 .82     rung 3: L.95P D.85 G.82 B.80  (G late at rung 3)             4  1   1   pause                  3   .95
 * 24  job         nothing                                                                          none
 * 25  L@9 .97     (R: L finishes)                                                                  null
 * 26  end         nothing trains, nothing promotable: the paused trials stop, rung by rung in
 *                 arrival order, ranked in the final standings (rung 1: n 12, keep 4, cut-off .65:
 *                 L J D G I K B E H C A F; rung 3: n 4, keep 1, cut-off .95: L D G B):
 *                 A 11, C 10, E 8, F 12, H 9, I 5, J 2 (in the top 4, but its 4 promotions went
 *                 to B, D, G, L earlier), K 6 at epoch 1; B 4, D 2, G 3 at epoch 3.
 */
type Step =
  | { at: [trial: string, epoch: number, value: number]; expect: Row | null }
  | { job: true; expect: Row | null };
/** [trial, rung, decision, rank, count, keep, cut-off]. */
type Row = [string, number, RungDecision['decision'], number, number, number, number | null];

const at = (trial: string, epoch: number, value: number, expect: Row | null): Step => ({
  at: [trial, epoch, value],
  expect,
});
const job = (expect: Row | null): Step => ({ job: true, expect });

const STEPS: Step[] = [
  at('A', 1, 0.5, ['A', 1, 'pause', 1, 1, 0, null]),
  at('B', 1, 0.6, ['B', 1, 'pause', 1, 2, 0, null]),
  at('C', 1, 0.55, ['C', 1, 'pause', 2, 3, 1, 0.6]),
  job(['B', 1, 'promote', 1, 3, 1, 0.6]),
  job(null),
  at('D', 1, 0.7, ['D', 1, 'pause', 1, 4, 1, 0.7]),
  at('E', 1, 0.6, ['E', 1, 'pause', 3, 5, 1, 0.7]),
  at('F', 1, 0.4, ['F', 1, 'pause', 6, 6, 2, 0.6]),
  at('B', 3, 0.8, ['B', 3, 'pause', 1, 1, 0, null]),
  job(['D', 1, 'promote', 1, 6, 2, 0.6]),
  at('G', 1, 0.65, ['G', 1, 'pause', 2, 7, 2, 0.65]),
  at('H', 1, 0.6, ['H', 1, 'pause', 5, 8, 2, 0.65]),
  at('I', 1, 0.65, ['I', 1, 'pause', 3, 9, 3, 0.65]),
  at('D', 3, 0.85, ['D', 3, 'pause', 1, 2, 0, null]),
  job(['G', 1, 'promote', 2, 9, 3, 0.65]),
  job(null),
  at('J', 1, 0.75, ['J', 1, 'pause', 1, 10, 3, 0.65]),
  at('K', 1, 0.62, ['K', 1, 'pause', 5, 11, 3, 0.65]),
  at('L', 1, 0.9, ['L', 1, 'continue', 1, 12, 4, 0.65]),
  job(null),
  at('G', 2, 0.66, null),
  at('L', 3, 0.95, ['L', 3, 'continue', 1, 3, 1, 0.95]),
  at('G', 3, 0.82, ['G', 3, 'pause', 3, 4, 1, 0.95]),
  job(null),
  at('L', 9, 0.97, null),
];

const STOPS: Row[] = [
  ['A', 1, 'stop', 11, 12, 4, 0.65],
  ['C', 1, 'stop', 10, 12, 4, 0.65],
  ['E', 1, 'stop', 8, 12, 4, 0.65],
  ['F', 1, 'stop', 12, 12, 4, 0.65],
  ['H', 1, 'stop', 9, 12, 4, 0.65],
  ['I', 1, 'stop', 5, 12, 4, 0.65],
  ['J', 1, 'stop', 2, 12, 4, 0.65],
  ['K', 1, 'stop', 6, 12, 4, 0.65],
  ['B', 3, 'stop', 4, 4, 1, 0.95],
  ['D', 3, 'stop', 2, 4, 1, 0.95],
  ['G', 3, 'stop', 3, 4, 1, 0.95],
];

function row(d: RungDecision | null, sign = 1): Row | null {
  return d && [d.trial, d.rung, d.decision, d.rank, d.count, d.keep, d.cutoff === null ? null : sign * d.cutoff];
}

/** Plays the steps; after each, the paper's invariant: at most ⌊n_k/η⌋ trials promoted from rung k. */
function play(scheduler: AshaScheduler, steps = STEPS, sign = 1): (Row | null)[] {
  return steps.map((step) => {
    const answer =
      'job' in step
        ? scheduler.promote()
        : scheduler.onEpochEnd(step.at[0], step.at[1], {
            val_accuracy: sign * step.at[2],
            val_loss: sign * step.at[2],
          });
    for (const rung of scheduler.rungs) {
      const here = scheduler.decisions.filter((d) => d.rung === rung);
      const arrived = here.filter((d) => d.decision === 'pause' || d.decision === 'continue').length;
      const promoted = here.filter((d) => d.decision === 'promote' || d.decision === 'continue').length;
      expect(promoted).toBeLessThanOrEqual(Math.floor(arrived / 3));
    }
    return row(answer, sign);
  });
}

describe('AshaScheduler (promotion form)', () => {
  it('puts rungs at r·η^k epochs below R', () => {
    expect(rungsFor({ maxEpochs: 9, gracePeriod: 1, reductionFactor: 3 })).toEqual([1, 3]);
    expect(rungsFor({ maxEpochs: 10, gracePeriod: 1, reductionFactor: 3 })).toEqual([1, 3, 9]);
    expect(rungsFor({ maxEpochs: 100, gracePeriod: 2, reductionFactor: 4 })).toEqual([2, 8, 32]);
    expect(rungsFor({ maxEpochs: 27, gracePeriod: 3, reductionFactor: 3 })).toEqual([3, 9]);
  });

  it('pauses, promotes and continues step by step as the hand-worked table says', () => {
    const scheduler = new AshaScheduler(SETTINGS);
    expect(play(scheduler)).toEqual(STEPS.map((s) => s.expect));
    expect(scheduler.hasPromotion()).toBe(false);
    expect(scheduler.stopPaused().map((d) => row(d))).toEqual(STOPS);
    // The log is every answer above that was a decision, then the stops.
    const answered = STEPS.map((s) => s.expect).filter((r): r is Row => r !== null);
    expect(scheduler.decisions.map((d) => row(d))).toEqual([...answered, ...STOPS]);
    for (const d of scheduler.decisions) {
      expect(d.metric).toBe('val_accuracy');
      // The recorded numbers agree with the rule: every promotion was in the top keep.
      if (d.decision === 'continue' || d.decision === 'promote') expect(d.rank).toBeLessThanOrEqual(d.keep);
      if (d.cutoff !== null && d.rank <= d.keep) expect(d.value).toBeGreaterThanOrEqual(d.cutoff);
    }
    expect(scheduler.latest('J')).toMatchObject({ rung: 1, decision: 'stop' });
    expect(scheduler.latest('L')).toMatchObject({ rung: 3, decision: 'continue' });
    expect(scheduler.latest('Z')).toBeUndefined();
  });

  it('mirrors the decisions for a metric to minimise', () => {
    const scheduler = new AshaScheduler({ ...SETTINGS, metric: 'val_loss', mode: 'min' });
    expect(play(scheduler, STEPS, -1)).toEqual(STEPS.map((s) => s.expect));
    expect(scheduler.stopPaused().map((d) => row(d, -1))).toEqual(STOPS);
  });

  it('answers a repeated question from its record, promoting in place a paused trial that is now the candidate', () => {
    const scheduler = new AshaScheduler(SETTINGS);
    play(scheduler, STEPS.slice(0, 8)); // through F@1: D is the candidate
    const logged = scheduler.decisions.length;
    // C is not promotable: its pause again, not recorded twice, whatever value is passed.
    expect(scheduler.onEpochEnd('C', 1, { val_accuracy: 0.99, val_loss: 0 })).toMatchObject({
      trial: 'C',
      value: 0.55,
      decision: 'pause',
    });
    // B went on from rung 1: that promotion again.
    expect(scheduler.onEpochEnd('B', 1, { val_accuracy: 0.6, val_loss: 0 })).toMatchObject({ decision: 'promote' });
    expect(scheduler.decisions).toHaveLength(logged);
    // D (resumed from its checkpoint at epoch 1) is get_job's answer: promoted in place.
    expect(row(scheduler.onEpochEnd('D', 1, { val_accuracy: 0.7, val_loss: 0 }))).toEqual([
      'D',
      1,
      'promote',
      1,
      6,
      2,
      0.6,
    ]);
    expect(scheduler.promote()).toBeNull();
  });

  it('resumes from its recorded decisions and goes on exactly as without the interruption', () => {
    const whole = new AshaScheduler(SETTINGS);
    play(whole);
    whole.stopPaused();
    for (const cut of [3, 10, 15, 19]) {
      const first = new AshaScheduler(SETTINGS);
      play(first, STEPS.slice(0, cut));
      const saved = JSON.parse(JSON.stringify(first.decisions)) as RungDecision[];
      const resumed = new AshaScheduler(SETTINGS, saved);
      expect(play(resumed, STEPS.slice(cut))).toEqual(STEPS.slice(cut).map((s) => s.expect));
      resumed.stopPaused();
      expect(resumed.decisions).toEqual(whole.decisions);
    }
  });

  it('rejects recorded decisions that do not fit its settings or its record', () => {
    const pause = (trial: string, value = 0.5): RungDecision => ({
      trial,
      rung: 1,
      metric: 'val_accuracy',
      value,
      cutoff: null,
      rank: 1,
      count: 1,
      keep: 0,
      decision: 'pause',
    });
    const make = (decisions: unknown[]) => () => new AshaScheduler(SETTINGS, decisions as RungDecision[]);
    expect(make([{ ...pause('A'), rung: 2 }])).toThrow(
      /^decisions\[0\]: expected a rung decision \{trial, rung \(one of 1, 3\), metric "val_accuracy"/,
    );
    expect(make([{ ...pause('A'), cutoff: 0.5 }])).toThrow(/^decisions\[0\]: expected a rung decision/);
    expect(make([pause('A'), pause('A')])).toThrow(new ConfigError('decisions[1]: A is already recorded at rung 1.'));
    expect(make([{ ...pause('A'), decision: 'promote' }])).toThrow(
      'decisions[0]: a promote of A at rung 1, where it is not recorded.',
    );
    expect(make([pause('A'), { ...pause('A', 0.7), decision: 'stop' }])).toThrow(
      'decisions[1]: a stop of A at rung 1, where it is recorded with 0.5, not 0.7.',
    );
    // Two results at a rung: ⌊2/3⌋ = 0 may be promoted.
    expect(make([pause('A'), pause('B'), { ...pause('A'), decision: 'promote' }])).toThrow(
      'decisions[2]: promoting A would promote more than ⌊2/3⌋ = 0 from rung 1.',
    );
    const three = [pause('A', 0.7), pause('B'), pause('C'), { ...pause('A', 0.7), decision: 'promote' }];
    expect(make([...three, { ...pause('A', 0.7), decision: 'stop' }])).toThrow(
      'decisions[4]: A is no longer paused at rung 1.',
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

  it('describes each kind of decision truthfully for the table and the logs', () => {
    const scheduler = new AshaScheduler(SETTINGS);
    play(scheduler);
    scheduler.stopPaused();
    const texts: [string, number, RungDecision['decision'], string][] = [
      [
        'A',
        1,
        'pause',
        'paused at epoch 1: val_accuracy 0.5000 is rank 1 of 1 at rung 1, not in the top ⌊n/η⌋ = 0; may be promoted later',
      ],
      [
        'C',
        1,
        'pause',
        'paused at epoch 1: val_accuracy 0.5500 is rank 2 of 3 at rung 1, not in the top ⌊n/η⌋ = 1 (cut-off 0.6000); may be promoted later',
      ],
      [
        'D',
        1,
        'pause',
        'paused at epoch 1: val_accuracy 0.7000 is rank 1 of 4 at rung 1, in the top ⌊n/η⌋ = 1 (cut-off 0.7000) but another promotion came first; may be promoted later',
      ],
      [
        'B',
        1,
        'promote',
        'promoted at epoch 1, where it had paused: val_accuracy 0.6000 is rank 1 of 3 at rung 1, in the top ⌊n/η⌋ = 1 (cut-off 0.6000)',
      ],
      [
        'L',
        3,
        'continue',
        'continued at epoch 3: val_accuracy 0.9500 is rank 1 of 3 at rung 3, in the top ⌊n/η⌋ = 1 (cut-off 0.9500)',
      ],
      [
        'D',
        3,
        'stop',
        'stopped at epoch 3: val_accuracy 0.8500 is rank 2 of 4 at rung 3, not in the top ⌊n/η⌋ = 1 (cut-off 0.9500) when the search ended',
      ],
      [
        'J',
        1,
        'stop',
        "stopped at epoch 1: val_accuracy 0.7500 is rank 2 of 12 at rung 1, in the top ⌊n/η⌋ = 4 (cut-off 0.6500) but its rung's promotions had gone to others when the search ended",
      ],
    ];
    for (const [trial, rung, decision, text] of texts) {
      const d = scheduler.decisions.find((x) => x.trial === trial && x.rung === rung && x.decision === decision)!;
      expect(describeDecision(d)).toBe(text);
    }
  });
});
