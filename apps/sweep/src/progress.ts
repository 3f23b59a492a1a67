import { createLogUpdate } from 'log-update';
import { truncate } from './comparison.js';
import type { RunProgress, RunResult } from './executor.js';

/** An ETA is shown only after this much training has been timed (start-up would skew it). */
const MIN_MEASURED_SECONDS = 2;

/** What the sweep tells the user while it runs. */
export interface ProgressDisplay {
  runStarted(id: string, estimatedCost: number): void;
  update(progress: RunProgress): void;
  runEnded(result: RunResult): void;
  /** A line that stays (warnings, the backend in use). */
  log(line: string): void;
  stop(): void;
}

interface ActiveRun {
  id: string;
  cost: number;
  startedAt: number;
  progress: RunProgress | null;
  /** When training was first seen to progress, and how far it was then: ETAs are measured from here. */
  measuredFrom: { at: number; fraction: number } | null;
}

/** Records a run's progress; the first report starts the clock its ETA is measured with. */
function observe(run: ActiveRun, progress: RunProgress): void {
  run.progress = progress;
  if (run.measuredFrom === null && progress.batch > 0) {
    run.measuredFrom = { at: Date.now(), fraction: fraction(progress) };
  }
}

/** Seconds and fraction of the run timed so far (zero until it has been measured long enough). */
function measured(run: ActiveRun): { seconds: number; done: number } {
  if (!run.measuredFrom) return { seconds: 0, done: 0 };
  const seconds = (Date.now() - run.measuredFrom.at) / 1000;
  const done = fraction(run.progress) - run.measuredFrom.fraction;
  return seconds >= MIN_MEASURED_SECONDS && done > 0 ? { seconds, done } : { seconds: 0, done: 0 };
}

/** A run's own ETA in seconds, or null ('?') until it is measured. */
function runEta(run: ActiveRun): number | null {
  const { seconds, done } = measured(run);
  return done > 0 ? (seconds * (1 - fraction(run.progress))) / done : null;
}

/** Sweep-wide counters both displays share. */
class SweepTracker {
  readonly active = new Map<string, ActiveRun>();
  finished = 0;
  failed = 0;
  interrupted = 0;
  private doneCost = 0;
  private doneSeconds = 0;
  readonly startedAt = Date.now();

  constructor(
    readonly total: number,
    private pendingCost: number,
    private readonly concurrency: number,
  ) {}

  start(id: string, cost: number): void {
    this.active.set(id, { id, cost, startedAt: Date.now(), progress: null, measuredFrom: null });
    this.pendingCost -= cost;
  }

  end(result: RunResult): ActiveRun | undefined {
    const run = this.active.get(result.id);
    this.active.delete(result.id);
    if (result.status === 'finished') this.finished++;
    else if (result.status === 'failed') this.failed++;
    else this.interrupted++;
    if (run && result.status === 'finished') {
      this.doneCost += run.cost * (1 - result.resumedFromEpoch / result.config.epochs);
      this.doneSeconds += (Date.now() - run.startedAt) / 1000;
    }
    return run;
  }

  /**
   * Seconds left for the whole sweep: remaining estimated cost, calibrated by the training timed
   * so far (finished runs, and the measured part of active ones); null until there is any.
   */
  eta(): number | null {
    let cost = this.doneCost;
    let seconds = this.doneSeconds;
    let remaining = this.pendingCost;
    for (const run of this.active.values()) {
      const timed = measured(run);
      cost += run.cost * timed.done;
      seconds += timed.seconds;
      remaining += run.cost * (1 - fraction(run.progress));
    }
    if (cost <= 0) return null;
    return (remaining * seconds) / cost / this.concurrency;
  }
}

function fraction(p: RunProgress | null): number {
  if (!p || p.epochs === 0) return 0;
  return Math.min(1, (p.epoch - 1 + (p.batches > 0 ? p.batch / p.batches : 0)) / p.epochs);
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function bar(f: number, width: number): string {
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

function pct(x: number | undefined): string {
  return x === undefined ? '   –   ' : `${(x * 100).toFixed(2).padStart(6)}%`;
}

export function endLine(result: RunResult): string {
  const time = `${result.timing.wallSeconds.toFixed(1)} s`;
  if (result.status === 'finished' && result.final) {
    return `[${result.id}] finished in ${time}: val_accuracy ${result.final.valAccuracy.toFixed(4)}, test accuracy ${result.final.testAccuracy.toFixed(4)}`;
  }
  return `[${result.id}] ${result.status} after ${result.history.loss.length} epoch(s)${result.error ? `: ${result.error}` : ''}`;
}

/** Live display on a terminal: one line per active run and an overall line, redrawn in place. */
export class TerminalProgress implements ProgressDisplay {
  private readonly tracker: SweepTracker;
  private readonly draw;
  private readonly timer: NodeJS.Timeout;
  private readonly idWidth: number;

  constructor(
    total: number,
    totalCost: number,
    concurrency: number,
    ids: string[],
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tracker = new SweepTracker(total, totalCost, concurrency);
    this.draw = createLogUpdate(stream);
    this.idWidth = Math.min(24, Math.max(...ids.map((id) => id.length), 4));
    this.timer = setInterval(() => this.render(), 250);
    this.timer.unref();
  }

  runStarted(id: string, cost: number): void {
    this.tracker.start(id, cost);
    this.render();
  }

  update(progress: RunProgress): void {
    const run = this.tracker.active.get(progress.id);
    if (run) observe(run, progress);
    if (progress.note) this.draw.persist(this.fit(`[${progress.id}] ${progress.note}`));
  }

  runEnded(result: RunResult): void {
    this.tracker.end(result);
    // Cut to the terminal like every run line (a failed run's whole error is in the table's notes and results.json).
    this.draw.persist(this.fit(endLine(result)));
    this.render();
  }

  /** A run line cut to the terminal's width: a wrapped line would break the redraw and the reading. */
  private fit(line: string): string {
    return truncate(line, Math.max(20, (this.stream.columns || 80) - 1));
  }

  log(line: string): void {
    this.draw.persist(line);
  }

  stop(): void {
    clearInterval(this.timer);
    this.render();
    this.draw.done();
  }

  private render(): void {
    const t = this.tracker;
    const lines = [...t.active.values()].map((run) => {
      const p = run.progress;
      const id = run.id.length > this.idWidth ? `${run.id.slice(0, this.idWidth - 1)}…` : run.id.padEnd(this.idWidth);
      if (!p) return `${id}  starting…`;
      const eta = runEta(run);
      const epochs = String(p.epochs);
      const workers = (p.workers ?? 1) > 1 ? ` ×${p.workers}` : '';
      return (
        `${id}${workers}  epoch ${String(p.epoch).padStart(epochs.length)}/${epochs} ${bar(p.batches > 0 ? p.batch / p.batches : 0, 20)} ` +
        `${String(p.batch).padStart(String(p.batches).length)}/${p.batches}  loss ${p.loss?.toFixed(4) ?? '  –   '}  acc ${pct(p.accuracy)}  ETA ${formatDuration(eta)}`
      );
    });
    const done = t.finished + t.failed + t.interrupted;
    const extra = [t.failed ? `${t.failed} failed` : '', t.interrupted ? `${t.interrupted} interrupted` : '']
      .filter(Boolean)
      .join(', ');
    lines.push(
      `overall  ${done}/${t.total} runs done${extra ? ` (${extra})` : ''} · ${t.active.size} running · ` +
        `elapsed ${formatDuration((Date.now() - t.startedAt) / 1000)} · ETA ${formatDuration(t.eta())}`,
    );
    this.draw(lines.map((l) => this.fit(l)).join('\n'));
  }
}

/** Plain logs for pipes and CI: one line per epoch and per finished run. */
export class PlainProgress implements ProgressDisplay {
  private readonly tracker: SweepTracker;

  constructor(
    total: number,
    totalCost: number,
    concurrency: number,
    private readonly write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {
    this.tracker = new SweepTracker(total, totalCost, concurrency);
  }

  runStarted(id: string, cost: number): void {
    this.tracker.start(id, cost);
    this.write(`[${id}] started`);
  }

  update(p: RunProgress): void {
    const run = this.tracker.active.get(p.id);
    if (run) observe(run, p);
    if (p.note) this.write(`[${p.id}] ${p.note}`);
    const e = p.epochEnd;
    if (e) {
      this.write(
        `[${p.id}] epoch ${p.epoch}/${p.epochs} - ${e.seconds.toFixed(1)}s - loss: ${e.loss.toFixed(4)} - accuracy: ${e.accuracy.toFixed(4)}` +
          ` - val_loss: ${e.val_loss.toFixed(4)} - val_accuracy: ${e.val_accuracy.toFixed(4)}`,
      );
    }
  }

  runEnded(result: RunResult): void {
    this.tracker.end(result);
    const t = this.tracker;
    this.write(
      `${endLine(result)} (${t.finished + t.failed + t.interrupted}/${t.total} done, sweep ETA ${formatDuration(t.eta())})`,
    );
  }

  log(line: string): void {
    this.write(line);
  }

  stop(): void {}
}
