/**
 * The page script's other charts: best validation accuracy against each knob that varies (one
 * strip per knob, for grids and searches) and the winner's test-set confusion matrix.
 */
export const VIEWS_SCRIPT = `
/** The values' range with a tenth of it added at each end, so no point sits on the frame. */
function paddedDomain(values) {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo) / 10 || 0.005;
  return [lo - pad, hi + pad];
}

/** Knobs whose values scale by factors: on a log axis when they span 10× or more (loguniform learning rates). */
const LOG_KNOBS = ['learning rate', 'batch size'];

/**
 * One knob's strip: numbers (dropout, learning rate, layers, ...) on a numeric axis, whole numbers
 * with whole ticks; other values (hidden sizes, activations) as labels. Only the first strip
 * titles the shared y-axis.
 */
function knobPanel(data, knob, y, first) {
  const points = data.knobs.filter((p) => p.knob === knob);
  const values = points.map((p) => p.order);
  const spread = Math.max(...values) / Math.min(...values);
  const log = points[0].numeric && LOG_KNOBS.includes(knob) && Math.min(...values) > 0 && spread >= 10;
  const whole = values.every((v) => Number.isInteger(v));
  const x = points[0].numeric
    ? {
        field: 'order',
        type: 'quantitative',
        title: null,
        scale: log ? { type: 'log', nice: false, padding: 12 } : { zero: false, nice: false, padding: 12 },
        axis: { tickCount: 4, labelAngle: 0, labelOverlap: true, labelFlush: false, ...(whole ? { tickMinStep: 1, format: 'd' } : {}) },
      }
    : {
        field: 'label',
        type: 'nominal',
        title: null,
        sort: { field: 'order', op: 'min' },
        // Every category named while a few; a search's many hidden sizes drop labels that would overlap.
        axis: { labelAngle: -30, labelLimit: 110, labelOverlap: new Set(points.map((p) => p.label)).size > 6 },
      };
  return {
    title: { text: knob, fontSize: 12 },
    width: 130,
    height: 140,
    transform: [{ filter: { field: 'knob', equal: knob } }],
    mark: { type: 'point', filled: true, size: 60 },
    encoding: {
      x,
      y: first ? y : { ...y, title: null },
      color: { field: 'key', type: 'nominal', legend: null, scale: scaleFor(data, 'color') },
      shape: { field: 'key', type: 'nominal', legend: null, scale: scaleFor(data, 'shape') },
      tooltip: [
        { field: 'run', type: 'nominal', title: 'run' },
        { field: 'knob', type: 'nominal', title: 'knob' },
        { field: 'label', type: 'nominal', title: 'value' },
        { field: 'metric', type: 'quantitative', title: 'best val accuracy', format: '.4f' },
      ],
    },
  };
}

function knobsSection(data) {
  if (data.knobs.length === 0) return null;
  const knobs = [...new Set(data.knobs.map((p) => p.knob))];
  // One y-axis for all strips: the same domain in each.
  const y = { field: 'metric', type: 'quantitative', title: 'best val accuracy', scale: { domain: paddedDomain(data.knobs.map((p) => p.metric)) } };
  const spec = {
    background: 'white',
    data: { values: data.knobs },
    concat: knobs.map((knob, i) => knobPanel(data, knob, y, i === 0)),
    columns: Math.min(knobs.length, 6),
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
