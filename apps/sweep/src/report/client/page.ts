/**
 * The page script's entry: `window.fnnReport.render(data)` (re)draws the whole report from a
 * report data object, finalizing the charts of the previous drawing; on load it draws the data
 * embedded in the page. A live server may call it again with newer data.
 */
export const PAGE_SCRIPT = `
// xMode follows the data's default (a live page learns the runs' lengths as they start) until the reader picks one.
const state = { data: null, sort: null, hidden: new Set(), xMode: null, xChosen: false };
let views = [];
let pending = [];
let renders = 0;

function header(data) {
  return el(
    'header',
    { class: 'state-' + data.state },
    el('h1', null, 'FNN sweep report'),
    el('p', { class: 'headline' }, data.headline),
    el('p', { class: 'facts' }, data.facts.join(' · ')),
    data.dataLine ? el('p', null, 'Data: ' + data.dataLine) : null,
    el('p', { class: 'winner' }, el('strong', null, data.winner ? data.winner.line : data.noWinnerLine)),
  );
}

function problemsSection(data) {
  if (data.problems.length === 0) return null;
  return el(
    'section',
    { class: 'problems' },
    el('h2', null, 'Runs that need a look'),
    el('ul', null, data.problems.map((p) =>
      el('li', { 'data-problem': p.run }, el('strong', null, p.run), ' ' + p.status + ': ', el('code', null, p.message)),
    )),
  );
}

function lessonSection(data) {
  if (data.lesson.length === 0) return null;
  return section('Against the lesson', el('ul', { class: 'lesson' }, data.lesson.map((line) => el('li', null, line))));
}

function ashaSection(data) {
  const a = data.asha;
  if (!a) return null;
  const head = ['run', 'rung (epoch)', a.metric, 'cut-off', 'rank', 'decision'];
  const rows = a.rows.map((r) => el('tr', { class: { stopped: 'stop', paused: 'pause' }[r.decision] ?? 'continue' },
    el('td', null, r.run), el('td', { class: 'num' }, r.rung), el('td', { class: 'num' }, fixed(r.value, 4)),
    el('td', { class: 'num' }, fixed(r.cutoff, 4)), el('td', { class: 'num' }, r.rank), el('td', null, r.decision)));
  return section('Early stopping (ASHA)', el('p', null, a.intro),
    el('table', { class: 'rungs' }, el('thead', null, el('tr', null, head.map((h) => el('th', null, h)))), el('tbody', null, rows)));
}

function environmentSection(data) {
  const rows = data.environment.map(([label, value]) => el('tr', null, el('th', null, label), el('td', null, el('code', null, value))));
  return section('Reproducibility', el('table', { class: 'environment' }, el('tbody', null, rows)));
}

function modelsSection(data) {
  return section('Models', data.runs.map((r) =>
    el('details', { class: 'run status-' + r.status, 'data-run-details': r.id },
      el('summary', null, el('strong', null, r.id), ' ', el('span', { class: 'badge' }, r.status), ' ', r.architecture),
      el('p', null, r.settings),
      r.why ? el('p', { class: 'why' }, r.why) : null,
      el('pre', null, r.summary || '(no summary: the model was not built)'))));
}

/** Resolves when every chart drawn so far is on the page; marks the page for tests and screenshots. */
function settle() {
  const waiting = pending;
  pending = [];
  return Promise.all(waiting).then(() => {
    renders += 1;
    document.documentElement.setAttribute('data-fnn-rendered', String(renders));
  });
}

function render(data) {
  if (!data || typeof data !== 'object' || !Array.isArray(data.runs) || !data.curves) {
    throw new TypeError('fnnReport.render: expected the report data object (see reportData in @fnn/sweep).');
  }
  state.data = data;
  if (!state.xChosen) state.xMode = data.curves.defaultX;
  finalizeViews(null);
  document.getElementById('fnn-report').replaceChildren(
    ...[
      header(data),
      problemsSection(data),
      section('Runs', runsTable(data)),
      configurationsSection(data),
      curvesSection(data),
      knobsSection(data),
      confusionSection(data),
      lessonSection(data),
      ashaSection(data),
      environmentSection(data),
      modelsSection(data),
    ].filter(Boolean),
  );
  return settle();
}

window.fnnReport = Object.freeze({ render });
render(JSON.parse(document.getElementById('fnn-report-data').textContent)).catch((error) => console.error(error));
`;
