import { describe, expect, it, vi } from 'vitest';
import { compare, formatTable } from './comparison.js';
import type { RunProgress } from './executor.js';
import { TerminalProgress } from './progress.js';
import { defaultRuns } from './run-config.js';
import { fakeResult } from '../test-support/fake-runs.js';
import { withRepeats } from './options.js';

// Issue 15: lines fit the terminal (cut, never wrapped), the table fits 80 columns, ETA is '?' until measured.
describe('the final table at 80 columns', () => {
  const rows = compare(defaultRuns().map((c) => fakeResult(c)));

  it('is the full table when the terminal is wide enough', () => {
    const wide = formatTable(rows);
    expect(wide.split('\n')[0]).toMatch(/^run\s+architecture\s+params\s+epochs\s+loss\s+acc %/);
    expect(formatTable(rows, 200)).toBe(wide);
  });

  it('leaves out the least telling columns to fit 80, keeping run and the accuracies', () => {
    const lines = formatTable(rows, 80).split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines[0]).not.toContain('architecture');
    expect(lines[0]).toMatch(/^run\s.*val acc %\s+test acc %\s+time s$/);
    expect(lines).toHaveLength(2 + rows.length);
    expect(lines[2]).toMatch(/^wide\s/);
  });

  it('switches to one block per configuration when even that does not fit', () => {
    const repeated = compare(
      withRepeats(
        defaultRuns().map((c) => ({
          ...c,
          id: `${c.id}-with-a-rather-long-name`,
          configId: `${c.id}-with-a-rather-long-name`,
        })),
        3,
      ).map((c) => fakeResult(c)),
    );
    const text = formatTable(repeated, 40);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(40);
    expect(text).toContain('wide-with-a-rather-long-name (3/3)\n  architecture 784-250-10');
    expect(text).toMatch(/val acc % \d+\.\d\d ± \d+\.\d\d/);
  });
});

describe('TerminalProgress', () => {
  /** A fake 80-column terminal that keeps what was drawn last. */
  function terminal(columns: number) {
    let frames = '';
    const stream = {
      columns,
      rows: 40,
      isTTY: true,
      write: (text: string) => {
        frames += text;
        return true;
      },
      on: () => stream,
      once: () => stream,
      off: () => stream,
      removeListener: () => stream,
    };
    // Visible text of everything drawn, without cursor movement and erase sequences.
    const text = () => frames.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    // The line starting with `prefix` as last drawn.
    const last = (prefix: string) =>
      text()
        .split('\n')
        .filter((l) => l.startsWith(prefix))
        .at(-1)!;
    return { stream: stream as unknown as NodeJS.WriteStream, text, last };
  }

  it('cuts every run line to the terminal and shows ETA ? until the run has been timed', () => {
    const ids = ['h500-250x4_do0.2_lr0.001_b128_e25_relu_adam', 'deep'];
    const { stream, text } = terminal(60);
    const display = new TerminalProgress(2, 10, ids, stream);
    display.runStarted(ids[0]!, 5);
    const progress: RunProgress = {
      id: ids[0]!,
      epoch: 1,
      epochs: 25,
      batch: 3,
      batches: 430,
      loss: 0.5,
      accuracy: 0.8,
    };
    display.update(progress);
    display.stop();
    const lines = text()
      .split('\n')
      .filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(59);
    const runLine = lines.find((l) => /epoch +1\/25/.test(l))!;
    expect(runLine).toMatch(/…$/); // no bar left to give way: cut, not wrapped
    const overall = lines.filter((l) => l.startsWith('overall')).at(-1)!;
    expect(overall).toMatch(/ETA \?$/);
  });

  it('narrows the bar, down to none, before it cuts the ETA off a lesson run line at 80 columns', () => {
    const ids = ['deep-dropout-50', 'wide-deep-bn'];
    const { stream, last } = terminal(80);
    const display = new TerminalProgress(2, 10, ids, stream);
    display.runStarted(ids[0]!, 5);
    display.update({ id: ids[0]!, epoch: 12, epochs: 50, batch: 215, batches: 430, loss: 0.1234, accuracy: 0.9712 });
    display.stop();
    const runLine = last('deep-dropout-50');
    expect([...runLine].length).toBeLessThanOrEqual(79);
    expect(runLine).toMatch(/loss 0\.1234 {2}acc {2}97\.12% {2}ETA \?$/);
    // Half done: the bar drawn, as wide as the line leaves room for (at most 20).
    const drawn = runLine.match(/ ([█░]+) /)?.[1] ?? '';
    expect(drawn.length).toBeGreaterThanOrEqual(5);
    expect(drawn.length).toBeLessThan(20);
    expect(drawn.split('█').length - 1).toBe(Math.round(drawn.length / 2));
  });

  it('measures the ETA from training progress, not from start-up', () => {
    // A fake clock (Date only): the display reads Date.now, nothing waits.
    vi.useFakeTimers({ toFake: ['Date'], now: 0 });
    try {
      const { stream, last } = terminal(200);
      const runLine = () => last('wide');
      const display = new TerminalProgress(1, 10, ['wide'], stream);
      display.runStarted('wide', 10);
      const at = (batch: number): RunProgress => ({ id: 'wide', epoch: 1, epochs: 1, batch, batches: 100 });
      vi.setSystemTime(30_000); // 30 s of start-up: not counted
      display.update(at(1));
      vi.setSystemTime(31_900); // 50 batches in 1.9 s: under the 2 s it takes to be measured
      display.update(at(51));
      display.runStarted('other', 0); // draws the lines now
      expect(runLine()).toMatch(/ETA \?$/);
      vi.setSystemTime(32_000); // 50 % of the epoch (1 → 51 of 100) in 2 s: 49 % left, 1.96 s
      display.update(at(51));
      display.stop();
      expect(runLine()).toMatch(/ETA 2s$/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps a queued sweep's overall line within 80 columns: the elapsed time goes, the ETA stays", () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 0 });
    try {
      const { stream, last } = terminal(80);
      const overall = () => last('overall');
      const display = new TerminalProgress(3, 12, ['h512x2', 'h256x2', 'h128x2'], stream);
      display.runStarted('h512x2', 10);
      display.runStarted('h256x2', 1); // enqueued, not heard from: 'starting or queued'
      const at = (batch: number): RunProgress => ({ id: 'h512x2', epoch: 1, epochs: 1, batch, batches: 100 });
      display.update(at(1));
      vi.setSystemTime(4_000); // half the run's cost of 10 in 4 s: 0.8 s per unit, 6.9 units left
      display.update(at(51));
      display.runStarted('h128x2', 1); // enqueued too; draws the lines now
      // Short enough, the whole line: 79 characters, the most a line takes on 80 columns.
      expect(overall()).toBe('overall  0/3 runs done · 1 running · 2 starting or queued · elapsed 4s · ETA 6s');
      vi.setSystemTime(60_000); // 8.9 units in 60 s, 3 left: 20 s
      display.update(at(90));
      display.stop();
      // With 'elapsed 1m00s' the line would be 83 characters: the elapsed time is left out, not the ETA.
      expect(overall()).toBe('overall  0/3 runs done · 1 running · 2 starting or queued · ETA 20s');
    } finally {
      vi.useRealTimers();
    }
  });
});
