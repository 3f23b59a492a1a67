/**
 * The page script's other charts: best validation accuracy against each knob that varies (one
 * strip per knob, for grids and searches) and the winner's test-set confusion matrix.
 */
export const VIEWS_SCRIPT = `
/** The values' range with a tenth of it added at each end, so no point sits on the frame (a facet ignores scale padding). */
function paddedDomain(values) {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo) / 10 || 0.005;
  return [lo - pad, hi + pad];
}

function knobsSection(data) {
  if (data.knobs.length === 0) return null;
  const knobs = [...new Set(data.knobs.map((p) => p.knob))];
  const spec = {
    background: 'white',
    data: { values: data.knobs },
    facet: { field: 'knob', type: 'nominal', title: null, sort: knobs, header: { labelFontWeight: 'bold', labelFontSize: 12 } },
    columns: Math.min(knobs.length, 6),
    spec: {
      width: 130,
      height: 140,
      mark: { type: 'point', filled: true, size: 60 },
      encoding: {
        x: { field: 'label', type: 'nominal', title: null, sort: { field: 'order', op: 'min' }, axis: { labelAngle: -30, labelLimit: 110 } },
        y: { field: 'metric', type: 'quantitative', title: 'best val accuracy', scale: { domain: paddedDomain(data.knobs.map((p) => p.metric)) } },
        color: { field: 'key', type: 'nominal', legend: null, scale: scaleFor(data, 'color') },
        shape: { field: 'key', type: 'nominal', legend: null, scale: scaleFor(data, 'shape') },
        tooltip: [
          { field: 'run', type: 'nominal', title: 'run' },
          { field: 'knob', type: 'nominal', title: 'knob' },
          { field: 'label', type: 'nominal', title: 'value' },
          { field: 'metric', type: 'quantitative', title: 'best val accuracy', format: '.4f' },
        ],
      },
    },
    resolve: { scale: { x: 'independent' } },
  };
  const target = el('div', { class: 'view' });
  embed(target, spec, 'views');
  return section(
    'Hyperparameters against best validation accuracy',
    el('p', { class: 'note' }, 'One strip per setting that differs between runs; one point per run.'),
    el('figure', { class: 'knobs' }, target),
  );
}

function confusionSection(data) {
  const c = data.confusion;
  if (!c) return null;
  const encoding = {
    x: { field: 'predicted', type: 'ordinal', sort: c.labels, title: 'predicted class', axis: { labelAngle: 0 } },
    y: { field: 'actual', type: 'ordinal', sort: c.labels, title: 'actual class' },
  };
  const spec = {
    background: 'white',
    width: 330,
    height: 330,
    data: { values: c.cells },
    encoding,
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'share', type: 'quantitative', scale: { scheme: 'blues', type: 'sqrt' }, legend: null },
          tooltip: [
            { field: 'actual', type: 'ordinal', title: 'actual' },
            { field: 'predicted', type: 'ordinal', title: 'predicted' },
            { field: 'count', type: 'quantitative', title: 'images' },
            { field: 'share', type: 'quantitative', title: 'share of the actual class', format: '.1%' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 9 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: '#333' },
        },
      },
    ],
  };
  const target = el('div', { class: 'view' });
  embed(target, spec, 'views');
  return section(
    'Test-set confusion matrix of the winner',
    el('p', { class: 'note' }, 'Run ' + c.run + ', ' + c.total.toLocaleString('en-US') + ' test images; rows are the true digits.'),
    el('figure', { class: 'confusion' }, target),
  );
}
`;
