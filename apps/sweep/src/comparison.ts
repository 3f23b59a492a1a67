import type { RunResult } from './executor.js';
import { LESSON_VAL_ACCURACY, defaultRuns } from './run-config.js';

/** Mean and sample standard deviation over a configuration's finished repeats. */
export interface Stat {
  mean: number;
  std: number;
  n: number;
}

/** One line of the comparison table: a configuration, over its repeats. */
export interface ComparisonRow {
  configId: string;
  architecture: string;
  params: number;
  epochs: number;
  /** Repeats that finished, of `repeats`. */
  finished: number;
  repeats: number;
  /** 'finished', or why not (e.g. "failed: NaN loss at epoch 2"), when no repeat finished. */
  status: string;
  loss: Stat | null;
  accuracy: Stat | null;
  valLoss: Stat | null;
  valAccuracy: Stat | null;
  testAccuracy: Stat | null;
  wallSeconds: Stat | null;
}

export interface Winner {
  configId: string;
  valAccuracy: number;
  testAccuracy: number;
  runnerUp: { configId: string; valAccuracy: number } | null;
}

export function stat(values: number[]): Stat | null {
  if (values.length === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), n: values.length };
}

/** Groups runs by configuration, keeping the order in which configurations first appear. */
export function compare(runs: RunResult[]): ComparisonRow[] {
  const groups = new Map<string, RunResult[]>();
  for (const run of runs) {
    const list = groups.get(run.configId) ?? [];
    list.push(run);
    groups.set(run.configId, list);
  }
  return [...groups.entries()].map(([configId, group]) => {
    const done = group.filter((r) => r.status === 'finished' && r.final !== null);
    const metric = (get: (r: RunResult) => number) => stat(done.map(get));
    const first = group[0]!;
    const notDone = group.find((r) => r.status !== 'finished');
    return {
      configId,
      architecture: first.architecture,
      params: first.params,
      epochs: first.config.epochs,
      finished: done.length,
      repeats: group.length,
      status:
        done.length > 0 ? 'finished' : `${notDone?.status ?? 'pending'}${notDone?.error ? `: ${notDone.error}` : ''}`,
      loss: metric((r) => r.final!.loss),
      accuracy: metric((r) => r.final!.accuracy),
      valLoss: metric((r) => r.final!.valLoss),
      valAccuracy: metric((r) => r.final!.valAccuracy),
      testAccuracy: metric((r) => r.final!.testAccuracy),
      wallSeconds: metric((r) => r.timing.wallSeconds),
    };
  });
}

/** The configuration with the best mean validation accuracy (model selection never looks at test). */
export function findWinner(rows: ComparisonRow[]): Winner | null {
  const ranked = rows
    .filter((r) => r.valAccuracy !== null && r.testAccuracy !== null)
    .sort((a, b) => b.valAccuracy!.mean - a.valAccuracy!.mean);
  const best = ranked[0];
  if (!best) return null;
  const second = ranked[1];
  return {
    configId: best.configId,
    valAccuracy: best.valAccuracy!.mean,
    testAccuracy: best.testAccuracy!.mean,
    runnerUp: second ? { configId: second.configId, valAccuracy: second.valAccuracy!.mean } : null,
  };
}

export function winnerLine(winner: Winner | null): string {
  if (!winner) return 'No run finished, so there is no winner.';
  const head = `Winner: ${winner.configId} with ${pct(winner.valAccuracy)} validation accuracy`;
  const points = winner.runnerUp ? (winner.valAccuracy - winner.runnerUp.valAccuracy) * 100 : 0;
  const margin = !winner.runnerUp
    ? ' (the only configuration that finished)'
    : points < 0.005
      ? `, tied with ${winner.runnerUp.configId}`
      : `, ${points.toFixed(2)} points ahead of ${winner.runnerUp.configId} (${pct(winner.runnerUp.valAccuracy)})`;
  return `${head}${margin}; its test accuracy is ${pct(winner.testAccuracy)}.`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

/** A metric cell: "97.81" (percent) or "97.81 ± 0.12" with repeats; "–" when missing. */
export function formatStat(s: Stat | null, kind: 'percent' | 'loss' | 'seconds'): string {
  if (s === null) return '–';
  const scale = kind === 'percent' ? 100 : 1;
  const digits = kind === 'loss' ? 4 : kind === 'percent' ? 2 : 1;
  const mean = (s.mean * scale).toFixed(digits);
  return s.n > 1 ? `${mean} ± ${(s.std * scale).toFixed(digits)}` : mean;
}

export const TABLE_HEADERS = [
  'run',
  'architecture',
  'params',
  'epochs',
  'loss',
  'acc %',
  'val loss',
  'val acc %',
  'test acc %',
  'time s',
];

/** Table cells, one array per row, in TABLE_HEADERS order. */
export function tableCells(rows: ComparisonRow[]): string[][] {
  return rows.map((r) => [
    r.repeats > 1 ? `${r.configId} (${r.finished}/${r.repeats})` : r.configId,
    r.architecture,
    r.params.toLocaleString('en-US'),
    String(r.epochs),
    formatStat(r.loss, 'loss'),
    formatStat(r.accuracy, 'percent'),
    formatStat(r.valLoss, 'loss'),
    formatStat(r.valAccuracy, 'percent'),
    formatStat(r.testAccuracy, 'percent'),
    formatStat(r.wallSeconds, 'seconds'),
  ]);
}

/** Columns left out, in this order, until the table fits the terminal; run and the val/test accuracies stay. */
const NARROWING = ['architecture', 'loss', 'acc %', 'val loss', 'params', 'epochs'];

/**
 * The comparison as aligned plain text, for stdout, at most `width` columns wide: the full table
 * when it fits, else the same table without the least telling columns, else one block per
 * configuration. Configurations that did not finish get a note below.
 */
export function formatTable(rows: ComparisonRow[], width = Infinity): string {
  const cells = tableCells(rows);
  const notes = rows
    .filter((r) => r.finished < r.repeats)
    .map((r) => `${r.configId}: ${r.finished}/${r.repeats} finished${r.finished === 0 ? ` (${r.status})` : ''}`);
  let columns = TABLE_HEADERS.map((_, c) => c);
  for (const drop of [null, ...NARROWING]) {
    if (drop !== null) columns = columns.filter((c) => TABLE_HEADERS[c] !== drop);
    const lines = alignedTable(columns, cells);
    if (lines.every((l) => l.length <= width)) return [...lines, ...notes].join('\n');
  }
  return [...cells.flatMap((row) => stackedBlock(row, width)), ...notes].join('\n');
}

function alignedTable(columns: number[], cells: string[][]): string[] {
  const all = [TABLE_HEADERS, ...cells];
  const widths = columns.map((c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    columns
      .map((c, i) => (c >= 2 ? row[c]!.padStart(widths[i]!) : row[c]!.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(TABLE_HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
}

/** One configuration as its id on a line, then `header value` pairs packed into lines of `width`. */
function stackedBlock(row: string[], width: number): string[] {
  const lines = [truncate(row[0]!, width)];
  let line = '';
  for (let c = 1; c < TABLE_HEADERS.length; c++) {
    const pair = `${TABLE_HEADERS[c]} ${row[c]}`;
    if (line !== '' && line.length + 2 + pair.length > width) {
      lines.push(line);
      line = '';
    }
    line = truncate(line === '' ? `  ${pair}` : `${line}  ${pair}`, width);
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Cuts a line to `width` characters, marking the cut with '…'. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/**
 * How each default run compares with the lesson's validation accuracy — only for runs trained
 * as the lesson trains them (its epochs, batch, optimizer, on all 55,000 training images).
 */
export function lessonCheck(runs: RunResult[]): string[] {
  const lesson = new Map(defaultRuns().map((r) => [r.id, r]));
  const lines: string[] = [];
  for (const run of runs) {
    const reference = lesson.get(run.configId);
    const range = LESSON_VAL_ACCURACY[run.configId];
    if (!reference || !range || run.status !== 'finished' || !run.final || run.trainSize !== 55_000) continue;
    const c = run.config;
    if (
      c.epochs !== reference.epochs ||
      c.batchSize !== reference.batchSize ||
      c.optimizer !== reference.optimizer ||
      c.learningRate !== reference.learningRate
    )
      continue;
    const v = run.final.valAccuracy;
    const where =
      v < range[0]
        ? `${((range[0] - v) * 100).toFixed(2)} points below`
        : v > range[1]
          ? `${((v - range[1]) * 100).toFixed(2)} points above`
          : 'within';
    lines.push(
      `${run.id}: ${(v * 100).toFixed(2)} % validation accuracy, ${where} the lesson's ${(range[0] * 100).toFixed(1)}–${(range[1] * 100).toFixed(1)} %`,
    );
  }
  return lines;
}
