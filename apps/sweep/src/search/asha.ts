import { ConfigError, describe } from '../errors.js';

export const ASHA_METRICS = ['val_accuracy', 'val_loss'] as const;
export type AshaMetric = (typeof ASHA_METRICS)[number];
export type AshaMode = 'max' | 'min';

export interface AshaSettings {
  /** R: epochs of a trial that is never stopped. */
  maxEpochs: number;
  /** r: epochs before the first rung. */
  gracePeriod: number;
  /** η: rungs at r·η^k epochs; a fraction 1/η of the trials at a rung goes on. */
  reductionFactor: number;
  metric: AshaMetric;
  mode: AshaMode;
}

/** What was decided when a trial reached a rung: what results.json and the table show. */
export interface RungDecision {
  trial: string;
  /** The rung's epoch (r·η^k). */
  rung: number;
  metric: AshaMetric;
  /** The trial's metric after that epoch. */
  value: number;
  /** The ⌈count/η⌉-th best value at the rung, this trial's included: it goes on iff it is at least as good. */
  cutoff: number;
  /** 1 + the number of results at the rung strictly better than this one (ties share a rank). */
  rank: number;
  /** Results recorded at the rung when the decision was made, this one included. */
  count: number;
  decision: 'continue' | 'stop';
}

/** The rungs below R: r, rη, rη², ... (a rung at R would decide nothing, the trial ends there). */
export function rungsFor(settings: Pick<AshaSettings, 'maxEpochs' | 'gracePeriod' | 'reductionFactor'>): number[] {
  const rungs: number[] = [];
  for (let epoch = settings.gracePeriod; epoch < settings.maxEpochs; epoch *= settings.reductionFactor)
    rungs.push(epoch);
  return rungs;
}

/**
 * Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
 * Tuning", MLSys 2020), in its stopping form as in Ray Tune's ASHAScheduler: a trial reaching a
 * rung is compared at once with the results recorded there so far — no waiting for the rung to
 * fill — and goes on only if it ranks in the top ⌈n/η⌉ of those n results (its own included).
 * Rounding up lets the first trial at a rung go on: unlike the paper's promotion form, a stopped
 * trial is never revived, so rounding down would stop every first arrival however good.
 *
 * A pure object over (trial, epoch, metrics) events, so a coordinator can decide for remote
 * workers just as the local sweep does; its decisions are its whole state (resume replays them),
 * and asking again about a rung a trial already passed returns the recorded decision.
 */
export class AshaScheduler {
  readonly rungs: readonly number[];
  private readonly recorded = new Map<number, Map<string, RungDecision>>();
  private readonly log: RungDecision[] = [];

  constructor(
    readonly settings: AshaSettings,
    previous: readonly RungDecision[] = [],
  ) {
    checkAshaSettings(settings);
    this.rungs = rungsFor(settings);
    for (const r of this.rungs) this.recorded.set(r, new Map());
    previous.forEach((d, i) => {
      this.restore(d, i);
    });
  }

  /** Every decision so far, in the order made. */
  get decisions(): readonly RungDecision[] {
    return this.log;
  }

  /**
   * Called when `trial` ends `epoch` (1-based). Returns the rung decision when that epoch is a
   * rung, else null (go on). The metric must be finite (a NaN run fails before it gets here).
   */
  onEpochEnd(trial: string, epoch: number, metrics: Record<AshaMetric, number>): RungDecision | null {
    const rung = this.recorded.get(epoch);
    if (!rung) return null;
    const known = rung.get(trial);
    if (known) return known;
    const { metric, mode, reductionFactor } = this.settings;
    const value = metrics[metric];
    if (!Number.isFinite(value)) throw new Error(`ASHA: ${trial}'s ${metric} after epoch ${epoch} is ${value}`);
    const better = (a: number, b: number) => (mode === 'max' ? a > b : a < b);
    const values = [...[...rung.values()].map((d) => d.value), value].sort((a, b) => (better(a, b) ? -1 : 1));
    const count = values.length;
    const keep = Math.ceil(count / reductionFactor);
    const cutoff = values[keep - 1]!;
    const rank = 1 + values.filter((v) => better(v, value)).length;
    const decision: RungDecision = {
      trial,
      rung: epoch,
      metric,
      value,
      cutoff,
      rank,
      count,
      decision: rank <= keep ? 'continue' : 'stop',
    };
    rung.set(trial, decision);
    this.log.push(decision);
    return decision;
  }

  /** A decision from an earlier session (untrusted: it comes from a file). */
  private restore(d: RungDecision, index: number): void {
    const where = `decisions[${index}]`;
    if (!isRungDecision(d) || !this.recorded.has(d.rung) || d.metric !== this.settings.metric) {
      throw new ConfigError(
        `${where}: expected a rung decision {trial, rung (one of ${this.rungs.join(', ')}), metric "${this.settings.metric}", value, cutoff, rank, count, decision}, but got ${describe(d)}.`,
      );
    }
    const rung = this.recorded.get(d.rung)!;
    if (rung.has(d.trial)) throw new ConfigError(`${where}: ${d.trial} is already recorded at rung ${d.rung}.`);
    const decision = { ...d };
    rung.set(d.trial, decision);
    this.log.push(decision);
  }
}

/** Whether a value read from a file has a rung decision's shape. */
export function isRungDecision(value: unknown): value is RungDecision {
  const d = value as RungDecision | null;
  return (
    d !== null &&
    typeof d === 'object' &&
    typeof d.trial === 'string' &&
    Number.isSafeInteger(d.rung) &&
    (ASHA_METRICS as readonly unknown[]).includes(d.metric) &&
    [d.value, d.cutoff].every(Number.isFinite) &&
    Number.isSafeInteger(d.rank) &&
    Number.isSafeInteger(d.count) &&
    d.rank >= 1 &&
    d.count >= d.rank &&
    (d.decision === 'continue' || d.decision === 'stop')
  );
}

export function checkAshaSettings(settings: AshaSettings): void {
  const { maxEpochs, gracePeriod, reductionFactor, metric, mode } = settings;
  const positiveInteger = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
  if (!positiveInteger(maxEpochs))
    throw new ConfigError(`--max-epochs: expected a positive integer, but got ${describe(maxEpochs)}.`);
  if (!positiveInteger(gracePeriod))
    throw new ConfigError(`--grace-period: expected a positive integer, but got ${describe(gracePeriod)}.`);
  if (!positiveInteger(reductionFactor) || reductionFactor < 2)
    throw new ConfigError(`--reduction-factor: expected an integer ≥ 2, but got ${describe(reductionFactor)}.`);
  if (gracePeriod >= maxEpochs) {
    throw new ConfigError(
      `--grace-period ${gracePeriod}: expected fewer epochs than --max-epochs ${maxEpochs}, or no trial could be stopped.`,
    );
  }
  if (!(ASHA_METRICS as readonly unknown[]).includes(metric))
    throw new ConfigError(`--metric: expected one of ${ASHA_METRICS.join(', ')}, but got ${describe(metric)}.`);
  const expected: AshaMode = metric === 'val_loss' ? 'min' : 'max';
  if (mode !== expected) {
    throw new ConfigError(
      `--mode ${describe(mode)} with --metric ${metric}: expected ${expected} (the other way round ASHA would keep the worst trials).`,
    );
  }
}

/** `stopped at epoch 3: val_accuracy 0.9512 worse than the cut-off 0.9601 (rank 5 of 7 at rung 3)` */
export function describeDecision(d: RungDecision): string {
  const value = d.value.toFixed(4);
  const cutoff = d.cutoff.toFixed(4);
  const where = `rank ${d.rank} of ${d.count} at rung ${d.rung}`;
  return d.decision === 'stop'
    ? `stopped at epoch ${d.rung}: ${d.metric} ${value} worse than the cut-off ${cutoff} (${where})`
    : `continued at epoch ${d.rung}: ${d.metric} ${value}, cut-off ${cutoff} (${where})`;
}
