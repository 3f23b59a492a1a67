import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, findWinner } from './comparison.js';
import { renderReport } from './report.js';
import type { ResultsFile } from './results-store.js';
import { defaultRuns } from './run-config.js';
import { fakeResult } from '../test-support/fake-runs.js';
import { hasChromium, openInChromium, CHROMIUM } from '../test-support/browser.js';

function results(): ResultsFile {
  const configs = defaultRuns().map((c) => ({ ...c, epochs: Math.min(c.epochs, 6) }));
  const runs = configs.map((c) => fakeResult(c, c.id === 'deep' ? 'failed' : 'finished'));
  // A failed run that still trained one epoch draws a (one-point) curve; one that never trained draws none.
  runs.push(fakeResult({ ...configs[0]!, id: 'never-started', configId: 'never-started' }, 'interrupted'));
  runs[runs.length - 1]!.history = { loss: [], accuracy: [], val_loss: [], val_accuracy: [], seconds: [], workers: [] };
  const comparison = compare(runs);
  return {
    sweep: {
      status: 'finished',
      startedAt: '2026-08-20T10:00:00.000Z',
      finishedAt: '2026-08-20T10:05:00.000Z',
      wallSeconds: 300,
      backend: 'wasm',
      cores: 2,
      concurrency: 2,
      workersPerRun: 1,
      samplesPerSecond: 12345,
    },
    comparison,
    winner: findWinner(comparison),
    runs,
  };
}

describe('report.html', () => {
  it('is one self-contained page: inline SVG charts, no scripts, no external resources', async () => {
    const html = await renderReport(results());
    expect(html).not.toMatch(/<script|<link|<img|src=|href="http/);
    expect(html.match(/<figure class="chart"/g)).toHaveLength(4);
    expect(html).toContain('Winner: ');
    expect(html).toContain('summary of wide');
    expect(html).toContain('failed on purpose');
  });

  it.skipIf(!hasChromium)(
    'loads in headless Chromium without errors and draws one curve per run that trained',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fnn-report-'));
      const path = join(dir, 'report.html');
      const data = results();
      writeFileSync(path, await renderReport(data));
      const page = await openInChromium(path, process.env.FNN_REPORT_SCREENSHOT);
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([]);
      const trained = data.runs.filter((r) => r.history.loss.length > 0).length;
      expect(trained).toBe(7);
      expect(page.curves).toEqual({ accuracy: trained, val_accuracy: trained, loss: trained, val_loss: trained });
      expect(page.tableRows).toBe(data.comparison.length);
      expect(page.text).toContain('Learning curves');
    },
  );

  it.runIf(!hasChromium)(`skips the browser check: ${CHROMIUM} is absent (apt-get install chromium)`, () => {
    expect(hasChromium).toBe(false);
  });
});
