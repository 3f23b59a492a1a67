import { ConfigError, describe } from '../errors.js';

export const ASHA_METRICS = ['val_accuracy', 'val_loss'] as const;
export type AshaMetric = (typeof ASHA_METRICS)[number];
export type AshaMode = 'max' | 'min';

export interface AshaSettings {
  /** R: epochs of a trial that is never stopped. */
  maxEpochs: number;
  /** r: epochs before the first rung. */
  gracePeriod: number;
  /** η: rungs at r·η^k epochs; a fraction 1/η of the trials at a rung is promoted. */
  reductionFactor: number;
  metric: AshaMetric;
  mode: AshaMode;
}

/**
 * `continue`: promoted when it reached the rung, goes on in the same fit. `pause`: recorded at
 * the rung, waits there (its checkpoint kept). `promote`: a paused trial promoted later, resumed
 * from its checkpoint. `stop`: still paused when the search ended.
 */
export const RUNG_DECISIONS = ['continue', 'pause', 'promote', 'stop'] as const;
export type RungDecisionKind = (typeof RUNG_DECISIONS)[number];

/** One decision about a trial at a rung: what results.json, the table and the report show. */
export interface RungDecision {
  trial: string;
  /** The rung's epoch (r·η^k). */
  rung: number;
  metric: AshaMetric;
  /** The trial's metric after that epoch. */
  value: number;
  /** The keep-th best value at the rung when decided (ties by arrival); null while keep is 0. */
  cutoff: number | null;
  /** The trial's place at the rung, best first; of equal values the earlier arrival ranks first. */
  rank: number;
  /** Results recorded at the rung when decided, this one included. */
  count: number;
  /** ⌊count/η⌋: how many of the rung's results may be promoted. */
  keep: number;
  decision: RungDecisionKind;
}

/** The rungs below R: r, rη, rη², ... (a rung at R would decide nothing, the trial ends there). */
export function rungsFor(settings: Pick<AshaSettings, 'maxEpochs' | 'gracePeriod' | 'reductionFactor'>): number[] {
  const rungs: number[] = [];
  for (let epoch = settings.gracePeriod; epoch < settings.maxEpochs; epoch *= settings.reductionFactor)
    rungs.push(epoch);
  return rungs;
}

/** One rung's record: results in arrival order, who was promoted from it, who stopped there. */
interface Rung {
  epoch: number;
  results: Map<string, number>;
  promoted: Set<string>;
  stopped: Set<string>;
  /** The latest decision about each trial here. */
  latest: Map<string, RungDecision>;
}

/**
 * Asynchronous successive halving in the paper's promotion form (Li et al., "A System for
 * Massively Parallel Hyperparameter Tuning", MLSys 2020, Algorithm 2). A trial reaching a rung is
 * recorded there and pauses; whenever a slot needs work it asks `promote()` (the paper's
 * get_job), which looks from the highest rung down for a paused trial among the top ⌊n/η⌋ of the
 * n results there, best first. The trial that has just reached a rung goes on in place when it is
 * that answer. ⌊n/η⌋ rounds down: the first arrivals at a rung wait rather than pass, and are
 * promoted later if they stay in the top.
 *
 * Two choices the paper leaves open: equal values rank by arrival (the earlier first), and a rung
 * promotes only while fewer than ⌊n/η⌋ of its trials have been promoted. The paper's get_job can
 * exceed that when later arrivals push promoted trials out of the top; the bound keeps its budget
 * (1/η of a rung goes on, so 27 trials with r = 1, η = 3, R = 9 train at most 27 + 9·2 + 3·6 epochs).
 *
 * A pure object over (trial, epoch, metrics) events; its decisions are its whole state (resume
 * replays them).
 */
export class AshaScheduler {
  readonly rungs: readonly number[];
  private readonly byEpoch = new Map<number, Rung>();
  private readonly log: RungDecision[] = [];

  constructor(
    readonly settings: AshaSettings,
    previous: readonly RungDecision[] = [],
  ) {
    checkAshaSettings(settings);
    this.rungs = rungsFor(settings);
    for (const epoch of this.rungs)
      this.byEpoch.set(epoch, {
        epoch,
        results: new Map(),
        promoted: new Set(),
        stopped: new Set(),
        latest: new Map(),
      });
    previous.forEach((d, i) => {
      this.restore(d, i);
    });
  }

  /** Every decision so far, in the order made. */
  get decisions(): readonly RungDecision[] {
    return this.log;
  }

  /**
   * Called when `trial` ends `epoch` (1-based), and again for an epoch restored from a checkpoint.
   * Not a rung: null (go on). At a rung: the result is recorded (once), and the answer is a
   * `continue` or `promote` decision when the trial goes on in place — it is what get_job would
   * pick now — or its `pause` (or `stop`) decision when it waits. The metric must be finite.
   */
  onEpochEnd(trial: string, epoch: number, metrics: Record<AshaMetric, number>): RungDecision | null {
    const rung = this.byEpoch.get(epoch);
    if (!rung) return null;
    const arrival = !rung.results.has(trial);
    if (arrival) {
      const value = metrics[this.settings.metric];
      if (!Number.isFinite(value))
        throw new Error(`ASHA: ${trial}'s ${this.settings.metric} after epoch ${epoch} is ${value}`);
      rung.results.set(trial, value);
    } else if (rung.promoted.has(trial) || rung.stopped.has(trial)) {
      return rung.latest.get(trial)!;
    }
    const next = this.nextPromotion();
    if (next?.rung === rung && next.trial === trial) return this.decide(rung, trial, arrival ? 'continue' : 'promote');
    return arrival ? this.decide(rung, trial, 'pause') : rung.latest.get(trial)!;
  }

  /** get_job: promotes the next paused trial (highest rung first, best first) and returns that decision, or null. */
  promote(): RungDecision | null {
    const next = this.nextPromotion();
    return next ? this.decide(next.rung, next.trial, 'promote') : null;
  }

  /** Whether promote() would promote a trial now. */
  hasPromotion(): boolean {
    return this.nextPromotion() !== null;
  }

  /** The search is over: every trial still paused stops where it waits. Returns those decisions. */
  stopPaused(): RungDecision[] {
    const stops: RungDecision[] = [];
    for (const rung of this.byEpoch.values()) {
      for (const trial of rung.results.keys()) {
        if (!rung.promoted.has(trial) && !rung.stopped.has(trial)) stops.push(this.decide(rung, trial, 'stop'));
      }
    }
    return stops;
  }

  /** The latest decision about `trial` at its highest rung so far, or undefined if it reached none. */
  latest(trial: string): RungDecision | undefined {
    let found: RungDecision | undefined;
    for (const rung of this.byEpoch.values()) found = rung.latest.get(trial) ?? found;
    return found;
  }

  /** The paper's candidate: from the highest rung down, the best paused trial in the top ⌊n/η⌋ (under the bound). */
  private nextPromotion(): { rung: Rung; trial: string } | null {
    for (const rung of [...this.byEpoch.values()].reverse()) {
      const keep = Math.floor(rung.results.size / this.settings.reductionFactor);
      if (rung.promoted.size >= keep) continue;
      const trial = this.ranking(rung)
        .slice(0, keep)
        .find((t) => !rung.promoted.has(t) && !rung.stopped.has(t));
      if (trial !== undefined) return { rung, trial };
    }
    return null;
  }

  /** The rung's trials best first; equal values keep their arrival order (the sort is stable). */
  private ranking(rung: Rung): string[] {
    const sign = this.settings.mode === 'max' ? -1 : 1;
    return [...rung.results.entries()].sort(([, a], [, b]) => sign * (a - b)).map(([trial]) => trial);
  }

  /** Records a decision about `trial` at `rung` with the rung's standing now. */
  private decide(rung: Rung, trial: string, decision: RungDecisionKind): RungDecision {
    const ranking = this.ranking(rung);
    const keep = Math.floor(ranking.length / this.settings.reductionFactor);
    const made: RungDecision = {
      trial,
      rung: rung.epoch,
      metric: this.settings.metric,
      value: rung.results.get(trial)!,
      cutoff: keep > 0 ? rung.results.get(ranking[keep - 1]!)! : null,
      rank: ranking.indexOf(trial) + 1,
      count: ranking.length,
      keep,
      decision,
    };
    this.apply(rung, made);
    return made;
  }

  private apply(rung: Rung, d: RungDecision): void {
    if (d.decision === 'continue' || d.decision === 'promote') rung.promoted.add(d.trial);
    if (d.decision === 'stop') rung.stopped.add(d.trial);
    rung.latest.set(d.trial, d);
    this.log.push(d);
  }

  /** A decision from an earlier session (untrusted: it comes from a file), checked against the record so far. */
  private restore(d: RungDecision, index: number): void {
    const where = `decisions[${index}]`;
    const rung = isRungDecision(d) ? this.byEpoch.get(d.rung) : undefined;
    if (!rung || d.metric !== this.settings.metric) {
      throw new ConfigError(
        `${where}: expected a rung decision {trial, rung (one of ${this.rungs.join(', ')}), metric "${this.settings.metric}", value, cutoff, rank, count, keep, decision}, but got ${describe(d)}.`,
      );
    }
    const arrival = d.decision === 'continue' || d.decision === 'pause';
    const recorded = rung.results.get(d.trial);
    if (arrival && recorded !== undefined)
      throw new ConfigError(`${where}: ${d.trial} is already recorded at rung ${d.rung}.`);
    if (!arrival && recorded !== d.value) {
      throw new ConfigError(
        `${where}: a ${d.decision} of ${d.trial} at rung ${d.rung}, where it is ${recorded === undefined ? 'not recorded' : `recorded with ${recorded}, not ${d.value}`}.`,
      );
    }
    if (!arrival && (rung.promoted.has(d.trial) || rung.stopped.has(d.trial)))
      throw new ConfigError(`${where}: ${d.trial} is no longer paused at rung ${d.rung}.`);
    if (arrival) rung.results.set(d.trial, d.value);
    const keep = Math.floor(rung.results.size / this.settings.reductionFactor);
    if ((d.decision === 'continue' || d.decision === 'promote') && rung.promoted.size >= keep) {
      throw new ConfigError(
        `${where}: promoting ${d.trial} would promote more than ⌊${rung.results.size}/${this.settings.reductionFactor}⌋ = ${keep} from rung ${d.rung}.`,
      );
    }
    this.apply(rung, { ...d });
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
    Number.isFinite(d.value) &&
    (d.cutoff === null || Number.isFinite(d.cutoff)) &&
    Number.isSafeInteger(d.rank) &&
    Number.isSafeInteger(d.count) &&
    Number.isSafeInteger(d.keep) &&
    d.rank >= 1 &&
    d.count >= d.rank &&
    d.keep >= 0 &&
    d.keep <= d.count &&
    (d.cutoff === null) === (d.keep === 0) &&
    (RUNG_DECISIONS as readonly unknown[]).includes(d.decision)
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

/**
 * `paused at epoch 1: val_accuracy 0.5500 is rank 2 of 3 at rung 1, not in the top ⌊n/η⌋ = 1
 * (cut-off 0.6000); may be promoted later`, and likewise for the other decisions.
 */
export function describeDecision(d: RungDecision): string {
  const standing = `${d.metric} ${d.value.toFixed(4)} is rank ${d.rank} of ${d.count} at rung ${d.rung}`;
  const top = `the top ⌊n/η⌋ = ${d.keep}${d.cutoff === null ? '' : ` (cut-off ${d.cutoff.toFixed(4)})`}`;
  const inTop = d.rank <= d.keep;
  switch (d.decision) {
    case 'continue':
      return `continued at epoch ${d.rung}: ${standing}, in ${top}`;
    case 'promote':
      return `promoted at epoch ${d.rung}, where it had paused: ${standing}, in ${top}`;
    case 'pause':
      return inTop
        ? `paused at epoch ${d.rung}: ${standing}, in ${top} but another promotion came first; may be promoted later`
        : `paused at epoch ${d.rung}: ${standing}, not in ${top}; may be promoted later`;
    case 'stop':
      return inTop
        ? `stopped at epoch ${d.rung}: ${standing}, in ${top} but its rung's promotions had gone to others when the search ended`
        : `stopped at epoch ${d.rung}: ${standing}, not in ${top} when the search ended`;
  }
}
