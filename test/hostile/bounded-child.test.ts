import { describe, expect, it } from 'vitest';
import { REPORT_PEAK_RSS, runBounded } from './bounded-child.js';

describe('runBounded', () => {
  it('reports the peak memory of a child and its output', async () => {
    const run = await runBounded(
      `${REPORT_PEAK_RSS} const a = new Uint8Array(200 * 1024 * 1024).fill(1); console.log('sum', a[5]);`,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('sum 1');
    expect(run.peakMb).toBeGreaterThan(200);
  });

  it('kills a child that allocates past its cap instead of letting it swap', async () => {
    const run = await runBounded('const keep = []; for (;;) keep.push(new Float64Array(1 << 24).fill(1));', {
      memoryMb: 1024,
    });
    expect(run.code === 0).toBe(false);
    expect(run.timedOut).toBe(false);
  });

  it('kills a child that runs past its time bound', async () => {
    const run = await runBounded('setInterval(() => {}, 1000);', { timeoutMs: 500 });
    expect(run.timedOut).toBe(true);
    expect(run.signal).toBe('SIGKILL');
  });
});
