import { stat } from '../comparison.js';
import type { RunResult } from '../executor.js';
import { type CoincidentGroups, coincidentGroups } from './coincident.js';

/** The four learning-curve charts, in the order the report draws them. */
export const CURVE_METRICS = [
  { key: 'accuracy', title: 'Training accuracy' },
  { key: 'val_accuracy', title: 'Validation accuracy' },
  { key: 'loss', title: 'Training loss' },
  { key: 'val_loss', title: 'Validation loss' },
] as const;

export type CurveMetric = (typeof CURVE_METRICS)[number]['key'];

/** One line of the charts (and one entry of the legend): a run, or a configuration over its repeats. */
export interface CurveKey {
  key: string;
  runs: string[];
  /** Epochs the configuration was planned for (the normalised x-axis divides by it). */
  epochs: number;
  /** Every run of it was stopped by ASHA: drawn faded. */
  stopped: boolean;
}

/** A point of a curve: the mean over the key's runs that reached this epoch, with mean ± std. */
export interface CurvePoint {
  key: string;
  metric: CurveMetric;
  epoch: number;
  /** epoch / planned epochs, for the normalised x-axis. */
  fraction: number;
  value: number;
  std: number;
  /** Band edges (mean ± std; for losses kept above zero, as they are drawn on a log scale). */
  lo: number;
  hi: number;
  /** Runs averaged at this epoch. */
  n: number;
  stopped: boolean;
}

export interface CurveData {
  metrics: typeof CURVE_METRICS;
  /** 'configuration' when some configuration has repeats: one mean line and ± std band each. */
  groupBy: 'run' | 'configuration';
  keys: CurveKey[];
  points: CurvePoint[];
  /** The x-axis the page starts with: 'fraction' when the runs' planned lengths differ 3× or more. */
  defaultX: 'epoch' | 'fraction';
  maxEpoch: number;
  /** Keys whose curves lie on top of each other, per x-axis and metric: drawn in turns. */
  coincident: CoincidentGroups;
}

/** Curves of every run that trained at least one epoch, grouped by configuration when repeated. */
export function curveData(runs: RunResult[]): CurveData {
  const trained = runs.filter((r) => r.history.loss.length > 0);
  const repeated = new Set(runs.map((r) => r.configId)).size < runs.length;
  const groups = new Map<string, RunResult[]>();
  for (const run of trained) {
    const key = repeated ? run.configId : run.id;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const keys: CurveKey[] = [...groups].map(([key, group]) => ({
    key,
    runs: group.map((r) => r.id),
    epochs: Math.max(1, ...group.map((r) => r.config.epochs)),
    stopped: group.every((r) => r.status === 'stopped'),
  }));
  const points = keys.flatMap((k) => keyPoints(k, groups.get(k.key)!));
  return {
    metrics: CURVE_METRICS,
    groupBy: repeated ? 'configuration' : 'run',
    keys,
    points,
    defaultX: defaultAxis(runs.map((r) => r.config.epochs)),
    maxEpoch: Math.max(1, ...trained.map((r) => r.history.loss.length)),
    coincident: coincidentGroups(
      points,
      keys.map((k) => k.key),
    ),
  };
}

/**
 * The x-axis to start on, from the runs' planned epochs (trained yet or not): the share of each
 * run's epochs when short and long runs differ 3× or more (5 against 50), else epochs.
 */
export function defaultAxis(plannedEpochs: number[]): CurveData['defaultX'] {
  const planned = plannedEpochs.map((e) => Math.max(1, e));
  const spread = planned.length > 0 ? Math.max(...planned) / Math.min(...planned) : 1;
  return spread >= 3 ? 'fraction' : 'epoch';
}

function keyPoints(key: CurveKey, group: RunResult[]): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const { key: metric } of CURVE_METRICS) {
    const longest = Math.max(...group.map((r) => r.history[metric].length));
    for (let e = 0; e < longest; e++) {
      const values = group.map((r) => r.history[metric][e]).filter((v): v is number => v !== undefined);
      const { mean, std } = stat(values)!;
      const lossFloor = metric.includes('loss') ? mean / 10 : -Infinity;
      points.push({
        key: key.key,
        metric,
        epoch: e + 1,
        fraction: (e + 1) / key.epochs,
        value: mean,
        std,
        lo: Math.max(mean - std, lossFloor),
        hi: mean + std,
        n: values.length,
        stopped: key.stopped,
      });
    }
  }
  return points;
}
