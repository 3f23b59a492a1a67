import { describe, expect, it } from 'vitest';
import { ElasticGrowth } from './elastic-growth.js';

describe('ElasticGrowth', () => {
  const make = () => new ElasticGrowth({ workersPerRun: 1, minSecondsToGrow: 5 });

  it('gives an idle slot to the run with the most training left, and only to it', () => {
    const growth = make();
    growth.started('a', 1);
    growth.started('b', 1);
    expect(growth.propose('a', 1, 2, 10)).toBeNull(); // no slot idle yet; a has 2 s × 10 = 20 s left
    growth.releaseSlot();
    expect(growth.propose('b', 1, 1, 5)).toBeNull(); // b has 5 s left, a about 20 s: a gets the slot
    expect(growth.propose('a', 1, 2, 9)).toBe(2);
    growth.moved('a', 2);
    expect(growth.propose('b', 1, 1, 4)).toBeNull(); // nothing spare any more
    growth.ended('a', 2); // a's borrowed core is spare again: b (4 s left) is below the 5 s minimum
    expect(growth.propose('b', 1, 1, 4)).toBeNull();
    expect(growth.propose('b', 1, 1, 6)).toBe(2);
  });

  it('moves a grown run back when a slot claims its cores, at the run’s next epoch end', () => {
    const growth = make();
    growth.started('a', 1);
    growth.releaseSlot();
    expect(growth.propose('a', 1, 2, 10)).toBe(2);
    growth.moved('a', 2);
    growth.claimSlot(); // a queue worker took a new job: the slot wants its core back
    expect(growth.propose('a', 2, 1, 9)).toBe(1); // twice as fast, but the core is claimed
    expect(growth.reason('a')).toBe('a slot has a run again and takes its cores back');
    growth.moved('a', 1);
    expect(growth.propose('a', 1, 2, 8)).toBeNull(); // nothing spare, nothing owed
    growth.releaseSlot(); // the new job ended and the queue is empty again: a may grow again
    expect(growth.propose('a', 1, 2, 7)).toBe(2);
  });

  it('moves a grown run back for good when more workers were not 10 % faster', () => {
    const growth = make();
    growth.started('a', 1);
    growth.releaseSlot();
    expect(growth.propose('a', 1, 2, 10)).toBe(2);
    expect(growth.propose('a', 2, 1.85, 9)).toBe(1); // 1.85 s ≥ 0.9 × 2 s
    expect(growth.reason('a')).toBe('2 workers were not faster');
    expect(growth.propose('a', 1, 2, 8)).toBeNull(); // reverted: the core stays spare for another run
    growth.started('b', 1);
    expect(growth.propose('b', 1, 3, 10)).toBe(2);
  });

  it('keeps an engine that failed to grow on its workers and keeps the cores spare', () => {
    const growth = make();
    growth.started('a', 1);
    growth.releaseSlot();
    expect(growth.propose('a', 1, 2, 10)).toBe(2);
    growth.growthFailed(1, 2);
    expect(growth.propose('a', 1, 2, 9)).toBe(2);
  });
});
