import type { RunResult } from '../executor.js';
import { describeDecision } from '../search/asha.js';

/** One row of the report's runs table (one per run, repeats included). */
export interface RunRow {
  id: string;
  configId: string;
  status: string;
  /** Why it failed or was interrupted, or the rung decision that stopped it. */
  why: string | null;
  architecture: string;
  params: number;
  epochsDone: number;
  epochs: number;
  /** The epoch (1-based) of the best validation accuracy, and that accuracy. */
  bestEpoch: number | null;
  bestValAccuracy: number | null;
  /** Validation accuracy and loss at the last epoch trained. */
  valAccuracy: number | null;
  valLoss: number | null;
  testAccuracy: number | null;
  wallSeconds: number;
  /** A run of the winning configuration. */
  winner: boolean;
  /** The knobs in words: hidden, activation, dropout, optimizer, ... */
  settings: string;
  summary: string;
}

/** Statuses listed first: runs that need a look. */
export const PROBLEM_STATUSES: readonly string[] = ['failed', 'interrupted'];

export function runRow(run: RunResult, winnerConfig: string | null): RunRow {
  const valAcc = run.history.val_accuracy;
  let best: number | null = null;
  valAcc.forEach((v, i) => {
    if (best === null || v > valAcc[best]!) best = i;
  });
  const last = <T>(values: T[]): T | null => values[values.length - 1] ?? null;
  const c = run.config;
  return {
    id: run.id,
    configId: run.configId,
    status: run.status,
    why: run.error ? run.error : run.stoppedBy ? describeDecision(run.stoppedBy) : null,
    architecture: run.architecture,
    params: run.params,
    epochsDone: run.history.loss.length,
    epochs: c.epochs,
    bestEpoch: best === null ? null : best + 1,
    bestValAccuracy: best === null ? null : valAcc[best]!,
    valAccuracy: last(valAcc),
    valLoss: last(run.history.val_loss),
    testAccuracy: run.final?.testAccuracy ?? null,
    wallSeconds: run.timing.wallSeconds,
    winner: winnerConfig !== null && run.configId === winnerConfig && run.status === 'finished',
    settings:
      `hidden [${c.hidden.join(', ')}], ${c.activation}, dropout ${c.dropout}, batch norm ${c.batchNorm ? 'yes' : 'no'}, ` +
      `${c.optimizer} lr ${c.learningRate}, batch ${c.batchSize}, ${c.epochs} epochs, seed ${c.seed}, ${c.api} API · ` +
      `${run.workers} worker(s) · ${run.backend || 'no backend'}`,
    summary: run.summary,
  };
}

/** A point of the hyperparameter view: one run's value of one knob against its best validation accuracy. */
export interface KnobPoint {
  knob: string;
  label: string;
  /** Sorts the labels along the knob's axis (numbers by value, the rest in order of appearance). */
  order: number;
  /** The knob's values are numbers (dropout, learning rate, ...): drawn on a numeric axis, `order` its value. */
  numeric: boolean;
  run: string;
  /** The legend key the run is drawn under (its id, or its configuration with repeats). */
  key: string;
  metric: number;
}

const KNOBS: [string, (r: RunResult) => string | number][] = [
  ['hidden', (r) => r.config.hidden.join('-')],
  ['layers', (r) => r.config.hidden.length],
  ['activation', (r) => r.config.activation],
  ['dropout', (r) => r.config.dropout],
  ['batch norm', (r) => (r.config.batchNorm ? 'yes' : 'no')],
  ['optimizer', (r) => r.config.optimizer],
  ['learning rate', (r) => r.config.learningRate],
  ['batch size', (r) => r.config.batchSize],
  ['epochs', (r) => r.config.epochs],
  ['api', (r) => r.config.api],
];

/** Best validation accuracy per run against each knob that takes more than one value in the sweep. */
export function knobPoints(runs: RunResult[], keyOf: (r: RunResult) => string): KnobPoint[] {
  const scored = runs.filter((r) => r.history.val_accuracy.length > 0);
  const points: KnobPoint[] = [];
  for (const [knob, get] of KNOBS) {
    const values = scored.map(get);
    if (new Set(values).size < 2) continue;
    const seen = [...new Set(values)];
    const numeric = values.every((v) => typeof v === 'number');
    scored.forEach((run, i) => {
      const value = values[i]!;
      points.push({
        knob,
        label: String(value),
        order: typeof value === 'number' ? value : seen.indexOf(value),
        numeric,
        run: run.id,
        key: keyOf(run),
        metric: Math.max(...run.history.val_accuracy),
      });
    });
  }
  return points;
}
