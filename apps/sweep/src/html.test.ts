import { describe, expect, it } from 'vitest';
import { SafeHtml, html, trustedMarkup } from './html.js';
import { renderReport } from './report.js';
import { compare, findWinner } from './comparison.js';
import type { ResultsFile } from './results-store.js';
import { defaultRuns } from './run-config.js';
import { fakeResult } from '../test-support/fake-runs.js';

// Class 6 of issue 11 (injection): every value that reaches report.html is escaped by construction.
describe('html tagged template', () => {
  it('escapes every interpolated value and keeps the literal markup', () => {
    const evil = `<img src=x onerror="alert('x')">&`;
    expect(html`<p title="${evil}">${evil}</p>`.toString()).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</p>',
    );
    expect(html`<b>${42}</b>${null}${undefined}${false}`.toString()).toBe('<b>42</b>');
    // Nested templates and lists stay markup; strings inside lists are still escaped.
    expect(html`<ul>${['<a>', html`<li>${'<b>'}</li>`]}</ul>`.toString()).toBe('<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>');
    expect(trustedMarkup('<svg></svg>', 'vega-svg').toString()).toBe('<svg></svg>');
  });

  it('cannot be forged: SafeHtml is made only by html`` and trustedMarkup', () => {
    expect(() => new SafeHtml(Symbol('SafeHtml'), '<script>')).toThrow('SafeHtml is made by html`...`');
    // A plain object with the same shape is text, not markup.
    const fake = { toString: () => '<script>' } as unknown as string;
    expect(html`${fake}`.toString()).toBe('&lt;script&gt;');
  });

  it('puts no live markup of a tampered run into report.html', async () => {
    const payload = '<script>alert(1)</script>';
    const runs = defaultRuns()
      .slice(0, 2)
      .map((c) => fakeResult({ ...c, epochs: 2 }));
    const tampered = {
      ...runs[1]!,
      backend: payload,
      status: `failed"><img src=x onerror=alert(2)>` as 'failed',
      workers: '<b>1</b>' as unknown as number,
      error: payload,
      summary: payload,
      architecture: payload,
    };
    const all = [runs[0]!, tampered];
    const comparison = compare(all);
    const results: ResultsFile = {
      sweep: {
        status: 'finished',
        startedAt: payload,
        finishedAt: null,
        wallSeconds: 1,
        backend: payload,
        cores: 2,
        concurrency: 2,
        workersPerRun: 1,
        samplesPerSecond: 1,
        data: payload,
      },
      comparison,
      winner: findWinner(comparison),
      runs: all,
    };
    const page = await renderReport(results);
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>1</b>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('class="status-failed&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"');
  });
});
