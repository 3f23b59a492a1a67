import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { TABLE_HEADERS, lessonCheck, tableCells, winnerLine } from './comparison.js';
import type { RunResult } from './executor.js';
import { html, trustedMarkup, type SafeHtml } from './html.js';
import type { ResultsFile } from './results-store.js';

/** The four learning-curve charts: one line per run in each. */
export const CURVE_METRICS = [
  { key: 'accuracy', title: 'Training accuracy' },
  { key: 'val_accuracy', title: 'Validation accuracy' },
  { key: 'loss', title: 'Training loss' },
  { key: 'val_loss', title: 'Validation loss' },
] as const;

type CurveKey = (typeof CURVE_METRICS)[number]['key'];

/**
 * Renders a learning-curve chart to SVG with vega-lite + vega, in Node (no browser): the SVG is
 * inlined in the report, so it opens offline and needs no script.
 */
export async function renderCurveSvg(runs: RunResult[], metric: CurveKey, title: string): Promise<string> {
  const values = runs.flatMap((run) => run.history[metric].map((value, i) => ({ run: run.id, epoch: i + 1, value })));
  const maxEpoch = Math.max(1, ...runs.map((r) => r.history[metric].length));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 380,
    height: 240,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: { size: 16 }, strokeWidth: 1.5 },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative',
        title: 'epoch',
        scale: { domain: [1, Math.max(2, maxEpoch)] },
        axis: { tickMinStep: 1, format: 'd' },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        title: metric.includes('loss') ? 'loss' : 'accuracy',
        scale: { zero: false },
      },
      color: {
        field: 'run',
        type: 'nominal',
        title: 'run',
        sort: runs.map((r) => r.id),
        scale: { scheme: runs.length > 10 ? 'tableau20' : 'tableau10' },
      },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A self-contained HTML report: learning curves (inline SVG), the comparison table, each model's summary. */
export async function renderReport(results: ResultsFile): Promise<string> {
  const withHistory = results.runs.filter((r) => r.history.loss.length > 0);
  const charts = await Promise.all(
    CURVE_METRICS.map(async ({ key, title }) =>
      withHistory.length === 0
        ? html``
        : html`<figure class="chart" data-metric="${key}">${trustedMarkup(await renderCurveSvg(withHistory, key, title), 'vega-svg')}</figure>`,
    ),
  );
  const meta = results.sweep;
  const cells = tableCells(results.comparison);
  const rows = cells.map(
    (row) => html`<tr>${row.map((c, i) => (i >= 2 ? html`<td class="num">${c}</td>` : html`<td>${c}</td>`))}</tr>
`,
  );
  const table = html`<table class="comparison">
<thead><tr>${TABLE_HEADERS.map((h) => html`<th>${h}</th>`)}</tr></thead>
<tbody>
${rows}</tbody></table>`;
  const check = lessonCheck(results.runs);
  const lesson =
    check.length === 0
      ? html``
      : html`<h2>Against the lesson</h2>
<ul class="lesson">${check.map((l) => html`<li>${l}</li>`)}</ul>
`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>FNN sweep report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure.chart { margin: 0; }
pre { background: #f6f6f6; padding: 0.75rem; overflow-x: auto; font-size: 12px; }
.status-failed, .status-interrupted { color: #b00020; }
</style>
</head>
<body>
<h1>FNN sweep report</h1>
<p>${`${meta.status} · started ${meta.startedAt} · ${meta.wallSeconds.toFixed(1)} s · backend ${meta.backend} · ${meta.concurrency} run(s) at once × ${meta.workersPerRun} worker(s) on ${meta.cores} cores · ${Math.round(meta.samplesPerSecond)} samples/s`}</p>
${
  meta.data
    ? html`<p>Data: ${meta.data}</p>
`
    : ''
}<p class="winner"><strong>${winnerLine(results.winner)}</strong></p>
<h2>Comparison</h2>
${table}
${lesson}<h2>Learning curves</h2>
<div class="charts">
${charts.map(
  (c) => html`${c}
`,
)}</div>
<h2>Runs</h2>
${results.runs.map(
  (run) => html`${runSection(run)}
`,
)}</body>
</html>
`;
  return page.toString();
}

function runSection(run: RunResult): SafeHtml {
  const c = run.config;
  const settings = `hidden [${c.hidden.join(', ')}], ${c.activation}, dropout ${c.dropout}, batch norm ${c.batchNorm ? 'yes' : 'no'}, ${c.optimizer} lr ${c.learningRate}, batch ${c.batchSize}, ${c.epochs} epochs, seed ${c.seed}, ${c.api} API`;
  return html`<section class="run" id="run-${run.id}">
<h3>${run.id} <small class="status-${run.status}">${run.status}</small></h3>
<p>${settings} · ${run.workers} worker(s) · ${run.backend}</p>
${run.error ? html`<p class="status-${run.status}">${run.error}</p>\n` : ''}<pre>${run.summary}</pre>
</section>`;
}
