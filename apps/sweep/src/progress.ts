import { createLogUpdate } from 'log-update';
import { truncate } from './comparison.js';
import type { RunProgress, RunResult } from './executor.js';
import { describeDecision } from './search/asha.js';
import { SweepTracker } from './sweep-eta.js';

/** What the sweep tells the user while it runs. */
export interface ProgressDisplay {
  runStarted(id: string, estimatedCost: number): void;
  update(progress: RunProgress): void;
  runEnded(result: RunResult): void;
  /** A line that stays (warnings, the backend in use). */
  log(line: string): void;
  stop(): void;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Widest progress bar; narrower ones are drawn down to MIN_BAR_WIDTH, then none. */
const BAR_WIDTH = 20;
const MIN_BAR_WIDTH = 5;

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
  if (result.stoppedBy) return `[${result.id}] ${describeDecision(result.stoppedBy)}`;
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
    ids: string[],
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tracker = new SweepTracker(total, totalCost);
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
    this.tracker.observe(progress);
    if (progress.note) this.draw.persist(this.fit(`[${progress.id}] ${progress.note}`));
  }

  runEnded(result: RunResult): void {
    this.tracker.end(result);
    // Cut to the terminal like every run line (a failed run's whole error is in the table's notes and results.json).
    this.draw.persist(this.fit(endLine(result)));
    this.render();
  }

  /** A line cut to the terminal's width: a wrapped line would break the redraw and the reading. */
  private fit(line: string): string {
    return truncate(line, this.width());
  }

  /** The columns a line may take: one less than the terminal's, so that none wraps. */
  private width(): number {
    return Math.max(20, (this.stream.columns || 80) - 1);
  }

  log(line: string): void {
    this.draw.persist(this.fit(line));
  }

  stop(): void {
    clearInterval(this.timer);
    this.render();
    this.draw.done();
  }

  private render(): void {
    const t = this.tracker;
    // A run not heard from yet is starting, or (with --queue) waiting for a worker: one count for
    // all of them rather than a line each (a queued sweep enqueues every run at once).
    const heard = [...t.active.values()].filter((run) => run.progress !== null);
    const waiting = t.active.size - heard.length;
    const lines = heard.map((run) => {
      const p = run.progress!;
      const id = run.id.length > this.idWidth ? `${run.id.slice(0, this.idWidth - 1)}…` : run.id.padEnd(this.idWidth);
      const eta = t.runEta(run);
      const epochs = String(p.epochs);
      const workers = (p.workers ?? 1) > 1 ? ` ×${p.workers}` : '';
      const head = `${id}${workers}  epoch ${String(p.epoch).padStart(epochs.length)}/${epochs} `;
      const tail =
        `${String(p.batch).padStart(String(p.batches).length)}/${p.batches}  loss ${p.loss?.toFixed(4) ?? '  –   '}` +
        `  acc ${pct(p.accuracy)}  ETA ${formatDuration(eta)}`;
      // The bar gives way first (down to none) so that an 80-column terminal still shows the ETA.
      const barWidth = Math.min(BAR_WIDTH, this.width() - [...head].length - [...tail].length - 1);
      const drawn = barWidth >= MIN_BAR_WIDTH ? `${bar(p.batches > 0 ? p.batch / p.batches : 0, barWidth)} ` : '';
      return `${head}${drawn}${tail}`;
    });
    const done = t.finished + t.failed + t.interrupted;
    const extra = [t.failed ? `${t.failed} failed` : '', t.interrupted ? `${t.interrupted} interrupted` : '']
      .filter(Boolean)
      .join(', ');
    const overall = [
      `${done}/${t.total} runs done${extra ? ` (${extra})` : ''}`,
      `${heard.length} running`,
      ...(waiting > 0 ? [`${waiting} starting or queued`] : []),
      `elapsed ${formatDuration((Date.now() - t.startedAt) / 1000)}`,
      `ETA ${formatDuration(t.eta())}`,
    ];
    // Too long for the terminal (a queued sweep's waiting runs): the elapsed time goes rather than the ETA being cut.
    const full = `overall  ${overall.join(' · ')}`;
    lines.push(
      [...full].length <= this.width()
        ? full
        : `overall  ${overall.filter((part) => !part.startsWith('elapsed')).join(' · ')}`,
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
    private readonly write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {
    this.tracker = new SweepTracker(total, totalCost);
  }

  runStarted(id: string, cost: number): void {
    this.tracker.start(id, cost);
  }

  update(p: RunProgress): void {
    // "started" when the run is first heard from: with --queue, when a worker takes it, not when it is enqueued.
    if (this.tracker.active.get(p.id)?.trainingSince === null) this.write(`[${p.id}] started`);
    this.tracker.observe(p);
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
