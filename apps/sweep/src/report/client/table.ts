/**
 * The page script's tables: every run (sortable by any column, failed and interrupted runs first
 * until the reader sorts, the winner's rows highlighted) and, with repeats, the configurations.
 */
export const TABLE_SCRIPT = `
const RUN_COLUMNS = [
  { key: 'status', title: 'status' },
  { key: 'id', title: 'run' },
  { key: 'architecture', title: 'architecture' },
  { key: 'params', title: 'params', num: true, show: (r) => Number(r.params).toLocaleString('en-US') },
  { key: 'epochsDone', title: 'epochs', num: true, field: 'epochs', show: (r) => r.epochsDone + '/' + r.epochs },
  { key: 'bestEpoch', title: 'best epoch', num: true, show: (r) => (r.bestEpoch === null ? '–' : String(r.bestEpoch)) },
  { key: 'bestValAccuracy', title: 'best val acc %', num: true, show: (r) => pct(r.bestValAccuracy) },
  { key: 'valAccuracy', title: 'last val acc %', num: true, show: (r) => pct(r.valAccuracy) },
  { key: 'valLoss', title: 'last val loss', num: true, show: (r) => fixed(r.valLoss, 4) },
  { key: 'testAccuracy', title: 'test acc %', num: true, show: (r) => pct(r.testAccuracy) },
  { key: 'wallSeconds', title: 'time s', num: true, show: (r) => fixed(r.wallSeconds, 1) },
];
const PROBLEM_STATUSES = ['failed', 'interrupted'];

function compareValues(a, b) {
  if (a === b) return 0;
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}

function sortedRuns(runs) {
  const sort = state.sort;
  const problem = (run) => (PROBLEM_STATUSES.includes(run.status) ? 0 : 1);
  return runs
    .map((run, i) => ({ run, i }))
    .sort((a, b) => {
      if (!sort) return problem(a.run) - problem(b.run) || a.i - b.i;
      const x = a.run[sort.key];
      const y = b.run[sort.key];
      // Runs without a value stay last in both directions.
      const missing = (x === null || x === undefined) - (y === null || y === undefined);
      const d = compareValues(x, y);
      return missing || (sort.dir === 'asc' ? d : -d) || a.i - b.i;
    })
    .map((x) => x.run);
}

function headerCell(column) {
  const sort = state.sort && state.sort.key === column.key ? state.sort.dir : null;
  const aria = sort === 'asc' ? 'ascending' : sort === 'desc' ? 'descending' : 'none';
  const arrow = sort === 'asc' ? ' ▲' : sort === 'desc' ? ' ▼' : '';
  return el(
    'th',
    { 'aria-sort': aria, class: column.num ? 'num' : null },
    el('button', { type: 'button', class: 'sort', 'data-sort': column.key }, column.title + arrow),
  );
}

function runCell(column, run) {
  if (column.key === 'status') return el('td', { class: 'status' }, el('span', { class: 'badge' }, run.status));
  if (column.key === 'id') {
    return el(
      'td',
      { class: 'run-id' },
      run.id,
      run.winner ? el('span', { class: 'star', title: 'winning configuration' }, ' ★') : null,
      run.why ? el('div', { class: 'why' }, run.why) : null,
    );
  }
  const text = column.show ? column.show(run) : run[column.key];
  return el('td', { class: column.num ? 'num' : null, 'data-field': column.field || null }, text);
}

function runsTable(data) {
  const rows = sortedRuns(data.runs).map((run) =>
    el(
      'tr',
      { 'data-run': run.id, class: 'status-' + run.status + (run.winner ? ' winner' : '') },
      RUN_COLUMNS.map((column) => runCell(column, run)),
    ),
  );
  const table = el(
    'table',
    { class: 'comparison runs' },
    el('thead', null, el('tr', null, RUN_COLUMNS.map(headerCell))),
    el('tbody', null, rows),
  );
  table.addEventListener('click', (event) => {
    const button = event.target.closest('button.sort');
    if (!button) return;
    const key = button.getAttribute('data-sort');
    const same = state.sort && state.sort.key === key;
    const numeric = RUN_COLUMNS.some((c) => c.key === key && c.num);
    state.sort = { key, dir: same ? (state.sort.dir === 'asc' ? 'desc' : 'asc') : numeric ? 'desc' : 'asc' };
    table.replaceWith(runsTable(state.data));
  });
  return table;
}

function configurationsSection(data) {
  const c = data.configurations;
  if (!c) return null;
  const rows = c.rows.map((row) =>
    el(
      'tr',
      { 'data-config': row.configId, class: row.winner ? 'winner' : null },
      row.cells.map((cell, i) => el('td', { class: i >= 2 ? 'num' : null }, cell)),
    ),
  );
  return section(
    'By configuration (mean ± std over repeats)',
    el(
      'table',
      { class: 'configurations' },
      el('thead', null, el('tr', null, c.headers.map((h) => el('th', null, h)))),
      el('tbody', null, rows),
    ),
  );
}
`;
