import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  checkPage,
  curveInk,
  hasChromium,
  launchChromium,
  type OpenPage,
} from '../../test-support/browser.js';
import {
  HOSTILE,
  ashaResults,
  hostileResults,
  lessonResults,
  repeatedResults,
  resultsOf,
} from '../../test-support/report-fixtures.js';
import { fakeResult } from '../../test-support/fake-runs.js';
import { defaultRuns } from '../run-config.js';
import type { ResultsFile } from '../results-store.js';
import { renderReport } from './render-report.js';
import { reportData, type ReportData } from './report-data.js';

/** The page's globals the tests use, typed here (the tests are compiled without DOM types; casts only). */
interface ReportWindow {
  fnnReport: { render: (data: unknown) => Promise<void> };
  scrollY: number;
  document: { documentElement: { scrollHeight: number } };
  /** Set only if a hostile value ran as script. */
  __pwned?: number;
}

let chromium: Awaited<ReturnType<typeof launchChromium>>;
const dir = mkdtempSync(join(tmpdir(), 'fnn-report-'));

async function open(results: ResultsFile, name: string): Promise<OpenPage> {
  const path = join(dir, `${name}.html`);
  writeFileSync(path, await renderReport(results));
  return chromium.open(path);
}

/** Each chart's line paths as "stroke dash opacity", to tell the curves apart. */
const lineStyles = (o: OpenPage, metric: string) =>
  o.page.$$eval(`figure.chart[data-metric="${metric}"] g.mark-line path`, (paths) =>
    paths.map(
      (p) => `${p.getAttribute('stroke')} ${p.getAttribute('stroke-dasharray')} ${p.getAttribute('opacity') ?? '1'}`,
    ),
  );

/** Whether two convex quadrilaterals (corners in order) intersect: no edge direction separates them. */
function overlap(a: number[][], b: number[][]): boolean {
  for (const quad of [a, b]) {
    for (let i = 0; i < 4; i++) {
      const [x1, y1] = quad[i]!;
      const [x2, y2] = quad[(i + 1) % 4]!;
      const normal = [y2! - y1!, x1! - x2!];
      const project = (q: number[][]) => q.map(([x, y]) => normal[0]! * x! + normal[1]! * y!);
      const pa = project(a);
      const pb = project(b);
      // A gap of a pixel's fraction counts as apart (antialiased edges may touch).
      const scale = Math.hypot(normal[0]!, normal[1]!);
      if (Math.max(...pa) <= Math.min(...pb) + 0.5 * scale || Math.max(...pb) <= Math.min(...pa) + 0.5 * scale)
        return false;
    }
  }
  return true;
}

/** Moves the mouse to the middle of an element, scrolled into view (vega picks the mark under the pointer). */
async function hoverCenter(o: OpenPage, target: Locator): Promise<void> {
  await target.scrollIntoViewIfNeeded();
  const box = (await target.boundingBox())!;
  await o.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
}

const rendered = (o: OpenPage, n: number) =>
  o.page.waitForSelector(`html[data-fnn-rendered="${n}"]`, { state: 'attached', timeout: 30_000 });

describe.skipIf(!hasChromium)('report.html in headless Chromium', () => {
  beforeAll(async () => {
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
  });

  it('loads without errors or requests, a curve per run that trained, failed runs first with their errors', async () => {
    const results = lessonResults();
    const o = await open(results, 'lesson');
    const seen = await checkPage(o.page);
    expect(o.errors).toEqual([]);
    expect(o.requests).toEqual([]);
    const trained = results.runs.filter((r) => r.history.loss.length > 0).length;
    expect(trained).toBe(7);
    expect(o.warnings).toEqual([]);
    expect(seen.curves).toEqual({ accuracy: trained, val_accuracy: trained, loss: trained, val_loss: trained });
    expect(seen.tableRows).toBe(results.runs.length);
    const order = await o.page.$$eval('table.runs tbody tr', (rows) => rows.map((r) => r.getAttribute('data-run')));
    expect(order.slice(0, 2)).toEqual(['deep', 'never-started']);
    expect(seen.text).toContain('Sweep ended with failures');
    expect(seen.text).toContain('failed on purpose');
    expect(await o.page.locator('tr.winner').count()).toBe(1);
    expect(await o.page.locator('details.run').count()).toBe(results.runs.length);
    // Each model's summary() sits folded in its <details>, shown when opened.
    const wide = o.page.locator('details.run[data-run-details="wide"]');
    expect(await wide.getAttribute('open')).toBeNull();
    expect(await wide.locator('pre').isVisible()).toBe(false);
    await wide.locator('summary').click();
    expect(await wide.locator('pre').textContent()).toBe('summary of wide');
    expect(await wide.locator('pre').isVisible()).toBe(true);
    // The winner's test-set confusion matrix: a cell per (actual, predicted) pair.
    expect(await o.page.locator('figure.confusion g.mark-rect path').count()).toBe(100);
    expect(await o.page.locator('figure.knobs g.mark-symbol path').count()).toBe(reportData(results).knobs.length);
    await o.page.close();
  });

  it('keeps every run visible where curves coincide: each of m shows at least 60 % of 1/m of the ink it has alone', async () => {
    // The fixture's curves coincide a lot: every loss curve is the same, and the accuracies of
    // the five 5-layer runs are the same (a group of five), as are wide's and functional-wide's.
    const results = lessonResults();
    const groups = reportData(results).curves.coincident.epoch;
    const groupSize = (metric: string, key: string) => groups[metric]?.find((g) => g.includes(key))?.length ?? 1;
    const o = await open(results, 'coincide');
    const metrics = ['accuracy', 'val_accuracy', 'loss', 'val_loss'];
    const together: Record<string, Record<string, number>> = {};
    for (const metric of metrics) together[metric] = await curveInk(o.page, metric);
    expect(await o.page.locator('p.coincident').textContent()).toBe(
      'Identical curves, drawn in alternating dashes: wide = functional-wide (training accuracy, validation accuracy); ' +
        'deep = deep-dropout = deep-dropout-50 = wide-deep = wide-deep-bn (training accuracy, validation accuracy); ' +
        'wide = deep = deep-dropout = deep-dropout-50 = wide-deep = wide-deep-bn = functional-wide (training loss, validation loss).',
    );
    const keys = await o.page.$$eval('.legend button.key', (b) => b.map((x) => x.getAttribute('data-key')!));
    let renders = 1;
    await o.page.locator('.legend button[data-every="hide"]').click();
    await rendered(o, ++renders);
    const share: string[] = [];
    for (const key of keys) {
      await o.page.locator(`.legend button.key[data-key="${key}"]`).click();
      await rendered(o, ++renders);
      for (const metric of metrics) {
        const alone = (await curveInk(o.page, metric))[key]!;
        expect(alone, `${key} drawn alone on ${metric}`).toBeGreaterThan(20);
        // m curves on top of each other can each show at most about 1/m of their line.
        const m = groupSize(metric, key);
        const seen = (together[metric]![key]! / alone) * m;
        share.push(`${key} ${metric} ${seen.toFixed(2)}`);
        expect(seen, `${key} on ${metric}: ink visible with every run drawn, × ${m} coinciding`).toBeGreaterThanOrEqual(
          0.6,
        );
      }
      // Alone, a run is drawn in its own style: no group to take turns in, and no note.
      expect(await o.page.locator('p.coincident').count()).toBe(0);
      expect(await o.page.locator('#curves').textContent()).not.toMatch(/\bnull\b/);
      await o.page.locator(`.legend button.key[data-key="${key}"]`).click();
      await rendered(o, ++renders);
    }
    console.info(`visible share of each run's ink: ${share.join(', ')}`);
    expect(o.errors).toEqual([]);
    await o.page.close();
  });

  it('shows every run, and hides and shows each from the legend', async () => {
    const o = await open(lessonResults(), 'toggle');
    const keys = await o.page.$$eval('.legend button.key', (b) => b.map((x) => x.getAttribute('data-key')!));
    expect(keys).toHaveLength(7);
    let renders = 1;
    for (const key of keys) {
      const button = o.page.locator(`.legend button.key[data-key="${key}"]`);
      await button.click();
      await rendered(o, ++renders);
      expect(await o.page.locator(`.legend button.key[data-key="${key}"]`).getAttribute('aria-pressed')).toBe('false');
      expect((await checkPage(o.page)).curves.loss).toBe(6);
      await o.page.locator(`.legend button.key[data-key="${key}"]`).click();
      await rendered(o, ++renders);
      expect((await checkPage(o.page)).curves.loss).toBe(7);
    }
    // All at once: none drawn, then all again.
    await o.page.locator('.legend button[data-every="hide"]').click();
    await rendered(o, ++renders);
    expect((await checkPage(o.page)).curves).toEqual({ accuracy: 0, val_accuracy: 0, loss: 0, val_loss: 0 });
    await o.page.locator('.legend button[data-every="show"]').click();
    await rendered(o, ++renders);
    expect((await checkPage(o.page)).curves.val_loss).toBe(7);
    // The x-axis switches to the share of each run's epochs, every curve still drawn.
    const axisTitle = () => o.page.locator('figure.chart[data-metric="loss"] g.role-axis-title text').allTextContents();
    expect(await axisTitle()).toContain('epoch');
    await o.page.locator('input[name="x-axis"][value="fraction"]').check();
    await rendered(o, ++renders);
    expect(await axisTitle()).toContain("share of the run's epochs");
    expect((await checkPage(o.page)).curves.loss).toBe(7);
    expect(o.errors).toEqual([]);
    expect(o.warnings).toEqual([]);
    await o.page.close();
  });

  it("starts on the share of each run's epochs when runs of 5 and 50 epochs are compared: every curve spans the chart", async () => {
    // The default sweep's epochs (5, 25 and 50): in epochs, a 5-epoch run would fill a tenth of the axis.
    const o = await open(resultsOf(defaultRuns().map((c) => fakeResult(c))), 'x-axis');
    expect(await o.page.locator('input[name="x-axis"][value="fraction"]').isChecked()).toBe(true);
    // Each run's points (one colour each) as x positions in the chart: first and last.
    const spans = () =>
      o.page.$$eval('figure.chart[data-metric="val_accuracy"] g.mark-symbol path', (points) => {
        const byColour = new Map<string, number[]>();
        for (const p of points) {
          const x = Number(/translate\(([\d.]+),/.exec(p.getAttribute('transform') ?? '')![1]);
          byColour.set(p.getAttribute('fill')!, [...(byColour.get(p.getAttribute('fill')!) ?? []), x]);
        }
        return [...byColour.values()].map((xs) => [Math.min(...xs), Math.max(...xs)]);
      });
    const shared = await spans();
    expect(shared).toHaveLength(7);
    const right = Math.max(...shared.map(([, last]) => last!));
    // Every run ends at the right edge; a 5-epoch run starts a fifth of the way in.
    for (const [, last] of shared) expect(last).toBeCloseTo(right, 0);
    expect(Math.max(...shared.map(([first]) => first!))).toBeCloseTo(right / 5, -1);
    await o.page.locator('input[name="x-axis"][value="epoch"]').check();
    await rendered(o, 2);
    const byEpoch = await spans();
    // In epochs the 5-epoch runs end a tenth of the way along the 50-epoch axis.
    expect(byEpoch.filter(([, last]) => last! < right / 5)).toHaveLength(4);
    // The reader's choice stays when newer data is drawn (a live page).
    await o.page.evaluate(
      (d) => (globalThis as unknown as ReportWindow).fnnReport.render(d),
      reportData(resultsOf(defaultRuns().map((c) => fakeResult(c)))),
    );
    await rendered(o, 3);
    expect(await o.page.locator('input[name="x-axis"][value="epoch"]').isChecked()).toBe(true);
    expect(o.errors).toEqual([]);
    await o.page.close();
  });

  it("follows the data's x-axis until the reader picks one: a live page learns the runs' lengths as they start", async () => {
    // First drawn with only the 25-epoch runs started, then with the 5- and 50-epoch ones too.
    const all = defaultRuns().map((c) => fakeResult(c));
    const o = await open(resultsOf(all.filter((r) => r.config.epochs === 25)), 'x-follows');
    expect(await o.page.locator('input[name="x-axis"][value="epoch"]').isChecked()).toBe(true);
    await o.page.evaluate(
      (d) => (globalThis as unknown as ReportWindow).fnnReport.render(d),
      reportData(resultsOf(all)),
    );
    await rendered(o, 2);
    expect(await o.page.locator('input[name="x-axis"][value="fraction"]').isChecked()).toBe(true);
    expect(o.errors).toEqual([]);
    await o.page.close();
  });

  it('draws each knob on an axis that fits it, with labels that do not overlap', async () => {
    // A random search's knobs: 12 trials of continuous dropout and loguniform learning rates.
    const wide = defaultRuns()[0]!;
    const trials = Array.from({ length: 12 }, (_, i) => {
      const id = `t${String(i + 1).padStart(2, '0')}`;
      const learningRate = 1e-4 * 10 ** ((i * 2) / 11);
      return fakeResult({ ...wide, id, configId: id, hidden: [10 + 9 * i], dropout: 0.04 * i, learningRate, seed: i });
    });
    for (const [name, results, every] of [
      ['knobs-search', resultsOf(trials), false],
      ['knobs-lesson', lessonResults(), true],
    ] as const) {
      const o = await open(results, name);
      const axes = await o.page.$$eval('figure.knobs g.role-axis', (all) =>
        all
          .filter((a) => a.getAttribute('aria-label')?.startsWith('X-axis'))
          .map((a) => ({
            label: a.getAttribute('aria-label')!,
            // The labels vega shows (one it drops for overlapping has opacity 0), each as the four
            // corners of its box on the screen (angled labels: a rotated box).
            boxes: [...a.querySelectorAll('g.role-axis-label text')]
              .filter((t) => t.getAttribute('opacity') !== '0' && (t.textContent ?? '') !== '')
              .map((t) => {
                const text = t as unknown as { getBBox(): DOMRect; getScreenCTM(): DOMMatrix };
                const b = text.getBBox();
                const m = text.getScreenCTM();
                const corners = [
                  [b.x, b.y],
                  [b.x + b.width, b.y],
                  [b.x + b.width, b.y + b.height],
                  [b.x, b.y + b.height],
                ].map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
                return { text: t.textContent!, corners: corners.map((p) => [p.x, p.y]) };
              }),
          })),
      );
      expect(axes).toHaveLength(new Set(reportData(results).knobs.map((k) => k.knob)).size);
      for (const { label, boxes } of axes) {
        boxes.forEach((a, i) => {
          for (const b of boxes.slice(i + 1))
            expect(overlap(a.corners, b.corners), `${label}: "${a.text}" and "${b.text}" overlap`).toBe(false);
        });
      }
      if (every) {
        // A grid's few categories are all named (the three hidden sizes of the lesson).
        const hidden = axes.find((a) => a.boxes.some((b) => b.text === '250'))!;
        expect(hidden.boxes.map((b) => b.text)).toEqual(['250', '50-50-50-50-50', '500-250-250-250-250']);
      } else {
        expect(axes.filter((a) => / for a log scale /.test(a.label))).toHaveLength(1);
        expect(axes.filter((a) => / for a linear scale /.test(a.label))).toHaveLength(1);
      }
      expect(o.errors).toEqual([]);
      expect(o.warnings).toEqual([]);
      await o.page.close();
    }
  });

  it('draws losses on a log scale and accuracies on a linear one', async () => {
    const o = await open(lessonResults(), 'log-scale');
    // Each chart's y-axis labels as (value, y position), and vega's own description of the axis.
    const yAxis = (metric: string) =>
      o.page.$$eval(`figure.chart[data-metric="${metric}"] g.role-axis`, (axes) => {
        const y = axes.find((a) => a.getAttribute('aria-label')?.startsWith('Y-axis'))!;
        const ticks = [...y.querySelectorAll('g.role-axis-label text')]
          .filter((t) => (t.textContent ?? '') !== '')
          .map((t) => [Number(t.textContent), Number(/,([\d.]+)\)/.exec(t.getAttribute('transform') ?? '')![1])]);
        return { label: y.getAttribute('aria-label')!, ticks };
      });
    // Largest distance (px) of a label from the straight line through the first and last, in f(value).
    const offLine = (ticks: number[][], f: (v: number) => number) => {
      const [v0, y0] = ticks[0]!;
      const [v1, y1] = ticks.at(-1)!;
      const slope = (y1! - y0!) / (f(v1!) - f(v0!));
      return Math.max(...ticks.map(([v, y]) => Math.abs(y0! + slope * (f(v!) - f(v0!)) - y!)));
    };
    for (const metric of ['loss', 'val_loss']) {
      const { label, ticks } = await yAxis(metric);
      expect(label).toMatch(/^Y-axis titled 'loss \(log scale\)' for a log scale/);
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(offLine(ticks, Math.log10)).toBeLessThan(1);
      expect(offLine(ticks, (v) => v)).toBeGreaterThan(5);
    }
    for (const metric of ['accuracy', 'val_accuracy']) {
      const { label, ticks } = await yAxis(metric);
      expect(label).toMatch(/^Y-axis titled 'accuracy' for a linear scale/);
      expect(offLine(ticks, (v) => v)).toBeLessThan(1);
    }
    await o.page.close();
  });

  it('shows run, epoch and value in a tooltip on hover', async () => {
    const o = await open(lessonResults(), 'tooltip');
    await hoverCenter(o, o.page.locator('figure.chart[data-metric="val_accuracy"] g.mark-symbol path').first());
    const tooltip = o.page.locator('#vg-tooltip-element');
    await tooltip.waitFor({ state: 'visible', timeout: 10_000 });
    // vega-tooltip's table: a row per field (run, epoch, value); wide's first point lies under functional-wide's.
    expect(await tooltip.textContent()).toMatch(/^run\s*(functional-)?wide\s*epoch\s*1\s*val_accuracy\s*0\.\d{4}$/);
    await o.page.close();
  });

  it('sorts the runs table by a column, descending then ascending', async () => {
    const results = lessonResults();
    const data = reportData(results);
    const o = await open(results, 'sort');
    const order = () => o.page.$$eval('table.runs tbody tr', (rows) => rows.map((r) => r.getAttribute('data-run')));
    const best = data.runs
      .filter((r) => r.bestValAccuracy !== null)
      .sort((a, b) => b.bestValAccuracy! - a.bestValAccuracy!);
    await o.page.locator('th button[data-sort="bestValAccuracy"]').click();
    // Stable sort: ties keep plan order; runs without a value go last.
    expect((await order()).slice(0, best.length)).toEqual(best.map((r) => r.id));
    expect((await order()).at(-1)).toBe('never-started');
    await o.page.locator('th button[data-sort="bestValAccuracy"]').click();
    expect((await order())[0]).toBe(best.at(-1)!.id);
    expect(await o.page.locator('th[aria-sort="ascending"]').count()).toBe(1);
    await o.page.close();
  });

  it('with repeats draws a mean ± std band per configuration and a table by configuration', async () => {
    const o = await open(repeatedResults(), 'repeats');
    for (const metric of ['accuracy', 'val_accuracy', 'loss', 'val_loss']) {
      expect(await o.page.locator(`figure.chart[data-metric="${metric}"] g.mark-area path`).count()).toBe(7);
      expect(await o.page.locator(`figure.chart[data-metric="${metric}"] g.mark-line path`).count()).toBe(7);
    }
    expect(await o.page.locator('table.configurations tbody tr').count()).toBe(7);
    // Nothing drawn from a missing value: no "null" where a note has nothing to say.
    expect((await checkPage(o.page)).text).not.toMatch(/\b(null|undefined|NaN)\b/);
    expect(await o.page.locator('table.configurations tr.winner').count()).toBe(1);
    expect(await o.page.locator('table.runs tbody tr').count()).toBe(21);
    expect(o.errors).toEqual([]);
    await o.page.close();
  });

  it('mutes a run ASHA stopped, with its rung decision, and lists the decisions', async () => {
    const o = await open(ashaResults(), 'asha');
    expect(o.errors).toEqual([]);
    const row = o.page.locator('tr[data-run="deep-dropout"]');
    expect(await row.getAttribute('class')).toBe('status-stopped');
    expect(await row.locator('[data-field="epochs"]').textContent()).toBe('1/5');
    expect(await row.textContent()).toContain(
      'stopped at epoch 1: val_accuracy 0.5000 is rank 2 of 3 at rung 1, not in the top ⌊n/η⌋ = 1 (cut-off 0.9000) when the search ended',
    );
    const styles = await lineStyles(o, 'val_accuracy');
    // Its curve (one point) is faded; the six others are drawn in full.
    expect(styles.filter((s) => s.endsWith(' 0.35'))).toHaveLength(1);
    expect(styles.filter((s) => s.endsWith(' 1'))).toHaveLength(6);
    expect(await o.page.locator('table.rungs tbody tr.stop').count()).toBe(1);
    await o.page.close();
  });

  it('draws newer data when render is called again, replacing its charts', async () => {
    const results = lessonResults();
    const o = await open(results, 'rerender');
    const embeds = await o.page.locator('.vega-embed').count();
    // A newer object: deep-dropout-50 has one more epoch.
    const newer = lessonResults();
    const run = newer.runs.find((r) => r.id === 'deep-dropout-50')!;
    run.config = { ...run.config, epochs: 7 };
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'seconds', 'workers'] as const)
      run.history[key].push(run.history[key].at(-1)!);
    const data: ReportData = reportData(newer);
    await o.page.evaluate((d) => (globalThis as unknown as ReportWindow).fnnReport.render(d), data);
    await o.page.evaluate((d) => (globalThis as unknown as ReportWindow).fnnReport.render(d), data);
    await rendered(o, 3);
    expect(o.errors).toEqual([]);
    expect(await o.page.locator('.vega-embed').count()).toBe(embeds);
    expect(await o.page.locator('[data-run="deep-dropout-50"] [data-field="epochs"]').textContent()).toBe('7/7');
    expect((await checkPage(o.page)).curves).toEqual({ accuracy: 7, val_accuracy: 7, loss: 7, val_loss: 7 });
    // A reader scrolled down stays where they were while the page redraws.
    await o.page.locator('figure.confusion').scrollIntoViewIfNeeded();
    const scrolled = await o.page.evaluate(() => (globalThis as unknown as ReportWindow).scrollY);
    expect(scrolled).toBeGreaterThan(500);
    // Read before the charts are drawn again: the page must keep its height meanwhile.
    const during = await o.page.evaluate((d) => {
      void (globalThis as unknown as ReportWindow).fnnReport.render(d);
      const root = (globalThis as unknown as ReportWindow).document;
      void root.documentElement.scrollHeight; // lays the page out now
      return (globalThis as unknown as ReportWindow).scrollY;
    }, data);
    expect(during).toBe(scrolled);
    await rendered(o, 4);
    expect(await o.page.evaluate(() => (globalThis as unknown as ReportWindow).scrollY)).toBe(scrolled);
    await o.page.close();
  });

  it('keeps a tampered results file inert: hostile ids and errors show as text, nothing runs', async () => {
    const o = await open(hostileResults(), 'hostile');
    const page = o.page;
    expect(await page.evaluate(() => (globalThis as unknown as ReportWindow).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(5);
    expect(await page.locator('table.runs tbody tr').nth(0).getAttribute('data-run')).toBe(HOSTILE);
    expect(await page.textContent('.problems')).toContain(HOSTILE);
    // The tooltip of the hostile run's points shows its id as text.
    await hoverCenter(o, page.locator('figure.chart[data-metric="loss"] g.mark-symbol path').last());
    await page.locator('#vg-tooltip-element').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#vg-tooltip-element img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as ReportWindow).__pwned)).toBeUndefined();
    expect(o.requests).toEqual([]);
    await page.close();
  });
});

describe.runIf(!hasChromium)('report.html in headless Chromium', () => {
  it(`skips: ${CHROMIUM} is absent (apt-get install chromium)`, () => {
    expect(hasChromium).toBe(false);
  });
});
