import { TABLE_HEADERS, lessonCheck, tableCells, winnerLine } from '../comparison.js';
import type { RunResult } from '../executor.js';
import type { ResultsFile, SweepMeta } from '../results-store.js';
import type { RungDecision } from '../search/asha.js';
import { ashaIntro } from '../search/rung-table.js';
import { confusionData, type ConfusionData } from './confusion.js';
import { curveData, type CurveData } from './curves.js';
import { environmentRows } from './environment-rows.js';
import { PROBLEM_STATUSES, knobPoints, runRow, type KnobPoint, type RunRow } from './run-rows.js';

/**
 * Everything report.html draws, as one JSON object: embedded in the page (id fnn-report-data)
 * and what `window.fnnReport.render(data)` draws from, so a live server can send a newer one.
 */
export interface ReportData {
  version: 1;
  /** 'finished', 'failed' (some run failed or was interrupted), 'interrupted' or 'running'. */
  state: 'finished' | 'failed' | 'interrupted' | 'running';
  headline: string;
  facts: string[];
  dataLine: string | null;
  winner: { configId: string; line: string } | null;
  noWinnerLine: string;
  /** Failed and interrupted runs with their errors: listed at the top. */
  problems: { run: string; status: string; message: string }[];
  runs: RunRow[];
  /** With repeats: the comparison by configuration (mean ± std), TABLE_HEADERS columns. */
  configurations: { headers: string[]; rows: { configId: string; winner: boolean; cells: string[] }[] } | null;
  curves: CurveData;
  knobs: KnobPoint[];
  lesson: string[];
  asha: { intro: string; metric: string; rows: RungRow[] } | null;
  confusion: ConfusionData | null;
  /** Reproducibility: label and value pairs (command line, git commit, versions, seeds, data fingerprint). */
  environment: [string, string][];
}

export interface RungRow {
  run: string;
  rung: number;
  value: number;
  /** null while fewer than η results are recorded at the rung (none may be promoted yet). */
  cutoff: number | null;
  rank: string;
  /** continued, paused, promoted or stopped. */
  decision: string;
}

const DECISION_WORDS: Record<RungDecision['decision'], string> = {
  continue: 'continued',
  pause: 'paused',
  promote: 'promoted',
  stop: 'stopped',
};

/** The report's data object from a results file (which may be older, without metadata). */
export function reportData(results: ResultsFile): ReportData {
  const { sweep, runs } = results;
  const winnerConfig = results.winner?.configId ?? null;
  const curves = curveData(runs);
  const problems = runs
    .filter((r) => PROBLEM_STATUSES.includes(r.status))
    .map((r) => ({ run: r.id, status: r.status, message: r.error ?? r.status }));
  const state = sweepState(sweep, runs);
  const repeated = curves.groupBy === 'configuration';
  const cells = tableCells(results.comparison);
  return {
    version: 1,
    state,
    headline: headline(state, runs),
    facts: facts(sweep),
    dataLine: sweep.data ?? null,
    winner: results.winner ? { configId: results.winner.configId, line: winnerLine(results.winner) } : null,
    noWinnerLine: winnerLine(null),
    problems,
    runs: runs.map((r) => runRow(r, winnerConfig)),
    configurations: repeated
      ? {
          headers: TABLE_HEADERS,
          rows: results.comparison.map((row, i) => ({
            configId: row.configId,
            winner: row.configId === winnerConfig,
            cells: cells[i]!,
          })),
        }
      : null,
    curves,
    knobs: knobPoints(runs, (r) => (repeated ? r.configId : r.id)),
    lesson: lessonCheck(runs),
    asha: results.search?.asha
      ? {
          intro: ashaIntro(results.search),
          metric: results.search.asha.metric,
          rows: results.search.decisions.map((d) => ({
            run: d.trial,
            rung: d.rung,
            value: d.value,
            cutoff: d.cutoff,
            rank: `${d.rank} of ${d.count}`,
            decision: DECISION_WORDS[d.decision] ?? String(d.decision),
          })),
        }
      : null,
    confusion: confusionData(runs, winnerConfig),
    environment: environmentRows(sweep),
  };
}

function sweepState(sweep: SweepMeta, runs: RunResult[]): ReportData['state'] {
  if (sweep.status !== 'finished') return sweep.status;
  return runs.some((r) => PROBLEM_STATUSES.includes(r.status)) ? 'failed' : 'finished';
}

/** "Finished: 7 runs" — never "finished" when a run failed. */
function headline(state: ReportData['state'], runs: RunResult[]): string {
  const count = (status: string) => runs.filter((r) => r.status === status).length;
  const parts = (['finished', 'stopped', 'failed', 'interrupted'] as const)
    .map((s) => [s, count(s)] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s === 'stopped' ? 'stopped early (ASHA)' : s}`);
  const tally = `${runs.length} run${runs.length === 1 ? '' : 's'}: ${parts.join(', ') || 'none ended yet'}`;
  const lead = {
    finished: 'Sweep complete',
    failed: 'Sweep ended with failures',
    interrupted: 'Sweep interrupted',
    running: 'Sweep running',
  }[state];
  return `${lead} · ${tally}`;
}

function facts(sweep: SweepMeta): string[] {
  return [
    `started ${sweep.startedAt}`,
    `${Number(sweep.wallSeconds).toFixed(1)} s`,
    `backend ${sweep.backend}`,
    `${sweep.concurrency} run(s) at once × ${sweep.workersPerRun} worker(s) on ${sweep.cores} cores`,
    `${Math.round(sweep.samplesPerSecond)} samples/s`,
  ];
}
