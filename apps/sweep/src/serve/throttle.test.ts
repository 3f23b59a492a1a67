import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Throttle } from './throttle.js';

describe('Throttle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('flushes at once, then at most once per interval, and never drops the last request', () => {
    const flushed: number[] = [];
    const start = Date.now();
    const throttle = new Throttle(250, () => flushed.push(Date.now() - start));
    throttle.request();
    expect(flushed).toEqual([0]);
    // A burst within the interval: one flush, at the interval's end.
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(10);
      throttle.request();
    }
    expect(flushed).toEqual([0]);
    vi.advanceTimersByTime(150);
    expect(flushed).toEqual([0, 250]);
    // Quiet for longer than the interval: the next request goes out at once.
    vi.advanceTimersByTime(1000);
    throttle.request();
    expect(flushed).toEqual([0, 250, 1250]);
  });

  it('cancel drops a pending flush', () => {
    let calls = 0;
    const throttle = new Throttle(250, () => calls++);
    throttle.request();
    throttle.request();
    throttle.cancel();
    vi.advanceTimersByTime(1000);
    expect(calls).toBe(1);
  });
});
