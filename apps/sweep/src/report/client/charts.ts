/**
 * The page script's learning curves: one vega-lite chart per metric (losses on a log scale), a
 * single HTML legend whose buttons show and hide runs, an x-axis in epochs or in the share of each
 * run's epochs, and mean ± std bands when configurations were repeated.
 */
export const CHARTS_SCRIPT = `
const EMBED_OPTIONS = { renderer: 'svg', actions: false, mode: 'vega-lite', tooltip: { theme: 'light' } };

function embed(target, spec, group) {
  const drawn = vegaEmbed(target, spec, EMBED_OPTIONS).then((result) => {
    // Replaced before it was drawn (a newer render or a legend click): let it go at once.
    if (!target.isConnected) result.finalize();
    else views.push({ result, group });
  });
  pending.push(drawn);
  return drawn;
}

function finalizeViews(group) {
  for (const view of views.filter((v) => group === null || v.group === group)) view.result.finalize();
  views = views.filter((v) => group !== null && v.group !== group);
}

function curveSpec(data, metric) {
  const c = data.curves;
  const byEpoch = state.xMode === 'epoch';
  const log = metric.key.includes('loss');
  const values = c.points.filter((p) => p.metric === metric.key && !state.hidden.has(p.key));
  const x = {
    field: byEpoch ? 'epoch' : 'fraction',
    type: 'quantitative',
    title: byEpoch ? 'epoch' : "share of the run's epochs",
    scale: { domain: byEpoch ? [1, Math.max(2, c.maxEpoch)] : [0, 1] },
    axis: byEpoch ? { tickMinStep: 1, format: 'd' } : { format: '.0%' },
  };
  // Padding (px) keeps the lowest and highest points clear of the axes; not rounded out to whole decades (half a log chart could be empty).
  const yScale = log ? { type: 'log', nice: false, padding: 8 } : { zero: false, nice: false, padding: 8 };
  // Nothing shown: keep the axis of all the runs (an empty domain makes vega warn).
  if (values.length === 0) {
    const all = c.points.filter((p) => p.metric === metric.key);
    if (all.length > 0) yScale.domain = [Math.min(...all.map((p) => p.lo)), Math.max(...all.map((p) => p.hi))];
  }
  const y = { field: 'value', type: 'quantitative', title: log ? 'loss (log scale)' : 'accuracy', scale: yScale };
  const color = { field: 'key', type: 'nominal', legend: null, scale: scaleFor(data, 'color') };
  const turns = turnsOf(data, metric.key);
  const keyTitle = c.groupBy === 'configuration' ? 'configuration' : 'run';
  const tooltip = [
    { field: 'key', type: 'nominal', title: keyTitle },
    { field: 'epoch', type: 'quantitative', title: 'epoch' },
    { field: 'value', type: 'quantitative', title: c.groupBy === 'configuration' ? metric.key + ' (mean)' : metric.key, format: '.4f' },
  ];
  if (c.groupBy === 'configuration') {
    tooltip.push({ field: 'std', type: 'quantitative', title: '± std', format: '.4f' });
    tooltip.push({ field: 'n', type: 'quantitative', title: 'repeats' });
  }
  const layers = [];
  if (c.groupBy === 'configuration') {
    layers.push({
      mark: { type: 'area', opacity: 0.18 },
      encoding: { x, y: { field: 'lo', type: 'quantitative', scale: yScale, title: y.title }, y2: { field: 'hi' }, color },
    });
  }
  layers.push({
    mark: { type: 'line' },
    encoding: {
      x, y, color,
      strokeDash: { field: 'key', type: 'nominal', legend: null, scale: scaleFor(data, 'dash', turns) },
      strokeWidth: { field: 'key', type: 'ordinal', legend: null, scale: scaleFor(data, 'width') },
      // Runs ASHA stopped: faded, so the curves that went the distance stand out.
      opacity: { condition: { test: 'datum.stopped', value: 0.35 }, value: 1 },
    },
  });
  layers.push({
    mark: { type: 'point', filled: true },
    encoding: {
      x, y, color, tooltip,
      size: { field: 'key', type: 'ordinal', legend: null, scale: scaleFor(data, 'size', turns) },
      shape: { field: 'key', type: 'nominal', legend: null, scale: scaleFor(data, 'shape') },
      opacity: { condition: { test: 'datum.stopped', value: 0.35 }, value: 0.9 },
    },
  });
  return { title: metric.title, width: 440, height: 230, background: 'white', data: { values }, layer: layers };
}

/**
 * Where curves of shown keys coincide on this chart (same numbers: same config and seed), each
 * key's turn in its group: { j, m }, drawn as the j-th dash of m (see turnStyle).
 */
function turnsOf(data, metric) {
  const turns = new Map();
  for (const shown of shownCoincident(data, metric)) shown.forEach((k, j) => turns.set(k, { j, m: shown.length }));
  return turns;
}

/** The groups of coinciding curves on a metric's chart along the current x-axis, hidden keys left out, of two or more. */
function shownCoincident(data, metric) {
  const groups = ((data.curves.coincident || {})[state.xMode] || {})[metric] || [];
  return groups.map((group) => group.filter((k) => !state.hidden.has(k))).filter((shown) => shown.length > 1);
}

/** "wide = functional-wide" for each group of coinciding curves, with the charts it is on when not all. */
function coincidentNote(data) {
  const byGroup = new Map();
  for (const metric of data.curves.metrics) {
    for (const shown of shownCoincident(data, metric.key)) {
      const name = shown.join(' = ');
      byGroup.set(name, [...(byGroup.get(name) || []), metric.title.toLowerCase()]);
    }
  }
  if (byGroup.size === 0) return null;
  const all = data.curves.metrics.length;
  const items = [...byGroup].map(([name, charts]) => name + (charts.length < all ? ' (' + charts.join(', ') + ')' : ''));
  return el('p', { class: 'note coincident' }, 'Identical curves, drawn in alternating dashes: ' + items.join('; ') + '.');
}

function xControls(data, box) {
  const choices = [['epoch', 'epochs'], ['fraction', "share of each run's epochs"]];
  return el('fieldset', { class: 'x-axis' }, el('legend', null, 'x-axis'),
    choices.map(([value, label]) => {
      const input = el('input', { type: 'radio', name: 'x-axis', value, checked: state.xMode === value });
      input.addEventListener('change', () => { state.xMode = value; state.xChosen = true; fillCurves(box, data); settle(); });
      return el('label', null, input, ' ' + label);
    }));
}

function legend(data, box) {
  const c = data.curves;
  const buttons = c.keys.map((k, i) => {
    const shown = !state.hidden.has(k.key);
    const label = k.key + (k.runs.length > 1 ? ' (' + k.runs.length + ' runs)' : '');
    const button = el('button', { type: 'button', class: 'key' + (k.stopped ? ' stopped' : ''), 'data-key': k.key,
      'aria-pressed': shown ? 'true' : 'false', title: (shown ? 'hide ' : 'show ') + k.key }, swatch(i, c.keys.length), label);
    button.addEventListener('click', () => {
      if (state.hidden.has(k.key)) state.hidden.delete(k.key);
      else state.hidden.add(k.key);
      fillCurves(box, data);
      settle();
    });
    return button;
  });
  // With many runs (a grid, a search): all at once, then pick.
  const every = (hide, label) => {
    const button = el('button', { type: 'button', class: 'every', 'data-every': hide ? 'hide' : 'show' }, label);
    button.addEventListener('click', () => {
      state.hidden = new Set(hide ? c.keys.map((k) => k.key) : []);
      fillCurves(box, data);
      settle();
    });
    return button;
  };
  return el('div', { class: 'legend', role: 'group', 'aria-label': 'show or hide ' + c.groupBy + 's' },
    buttons, every(false, 'show all'), every(true, 'hide all'));
}

function fillCurves(box, data) {
  finalizeViews('curves');
  const figures = data.curves.metrics.map((metric) => {
    const target = el('div', { class: 'view' });
    return { metric, target, figure: el('figure', { class: 'chart', 'data-metric': metric.key }, target) };
  });
  const note = coincidentNote(data);
  box.replaceChildren(
    xControls(data, box),
    legend(data, box),
    ...(note ? [note] : []),
    el('div', { class: 'charts' }, figures.map((f) => f.figure)),
  );
  for (const f of figures) embed(f.target, curveSpec(data, f.metric), 'curves');
}

function curvesSection(data) {
  if (data.curves.keys.length === 0) return section('Learning curves', el('p', null, 'No run has finished an epoch yet.'));
  const box = el('div', { id: 'curves' });
  fillCurves(box, data);
  const notes = [
    'Click a name to hide or show it; hover a point for its values.',
    data.curves.groupBy === 'configuration' ? 'Lines are means over the repeats; bands are ± one standard deviation.' : null,
    data.asha ? 'Runs ASHA stopped are drawn faded, up to the epoch they stopped at.' : null,
  ];
  return section('Learning curves', el('p', { class: 'note' }, notes.filter(Boolean).join(' ')), box);
}
`;
