import { Callback } from './callbacks/callback.js';
import type { Logs } from './train-step.js';

export interface ProgressOutput {
  /** Where text goes; default `process.stdout.write`. */
  write?: (text: string) => void;
  /** Whether the output is a terminal (redrawn bar); default `process.stdout.isTTY`. */
  isTTY?: boolean;
  /** Clock in seconds; default `performance.now() / 1000`. */
  now?: () => number;
}

/** Keras's default verbosity: a progress bar on a terminal, one line per epoch otherwise. */
export function defaultVerbose(): 1 | 2 {
  return process.stdout.isTTY === true ? 1 : 2;
}

/** Python's `%.4f` / `%.4e` choice of Keras's Progbar, with a two-digit exponent as Python prints it. */
export function formatLogValue(value: number): string {
  if (Math.abs(value) > 1e-3 || !Number.isFinite(value))
    return Number.isFinite(value) ? value.toFixed(4) : String(value).toLowerCase();
  const [mantissa, exponent] = value.toExponential(4).split('e') as [string, string];
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/** Python's `'%.0f' % x`: halves round to even (JavaScript's toFixed rounds them up). */
function wholeNumber(x: number): string {
  const floor = Math.floor(x);
  const rounded = x - floor === 0.5 ? (floor % 2 === 0 ? floor : floor + 1) : Math.round(x);
  return String(rounded);
}

/** Keras's `_format_time`: ` 9ms/step`, ` 4s/epoch`, ` 850us/step`. */
export function formatTime(seconds: number, unit: string): string {
  if (seconds >= 1 || seconds === 0) return ` ${wholeNumber(seconds)}s/${unit}`;
  if (seconds >= 1e-3) return ` ${wholeNumber(seconds * 1e3)}ms/${unit}`;
  return ` ${wholeNumber(seconds * 1e6)}us/${unit}`;
}

function formatEta(eta: number): string {
  const whole = Math.floor(eta);
  if (eta > 3600)
    return `${Math.floor(whole / 3600)}:${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}:${String(whole % 60).padStart(2, '0')}`;
  if (eta > 60) return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
  return `${whole}s`;
}

function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${formatLogValue(v)}`)
    .join('');
}

/**
 * Keras's `Progbar` for one epoch of `target` steps. verbose 1 draws
 * `430/430 [==============================] - 4s 9ms/step - loss: 0.1203 - accuracy: 0.9641`
 * (redrawn in place on a terminal, only the final line otherwise); verbose 2 prints
 * `430/430 - 4s - loss: 0.1203 - accuracy: 0.9641 - 4s/epoch - 9ms/step` at the end.
 */
export class ProgressBar {
  private readonly write: (text: string) => void;
  private readonly isTTY: boolean;
  private readonly now: () => number;
  private readonly start: number;
  private lastUpdate = -Infinity;
  private totalWidth = 0;
  private open = false;
  /** Characters of the bar, as Keras's `width`. */
  readonly width = 30;
  /** Seconds between redraws, as Keras's `interval`. */
  readonly interval = 0.05;

  constructor(
    readonly target: number,
    readonly verbose: 1 | 2,
    output: ProgressOutput = {},
  ) {
    this.write = output.write ?? ((text) => void process.stdout.write(text));
    this.isTTY = output.isTTY ?? process.stdout.isTTY === true;
    this.now = output.now ?? (() => performance.now() / 1000);
    this.start = this.now();
  }

  /** Shows progress after `current` steps with the running logs; `finalize` ends the line. */
  update(current: number, logs: Logs, finalize = current >= this.target): void {
    const now = this.now();
    const elapsed = now - this.start;
    const digits = String(this.target).length;
    const count = `${String(current).padStart(digits)}/${this.target}`;
    const perStep = current > 0 ? elapsed / current : 0;
    if (this.verbose === 2) {
      if (!finalize) return;
      this.write(
        `${count} - ${wholeNumber(elapsed)}s${formatLogs(logs)} -${formatTime(elapsed, 'epoch')} -${formatTime(elapsed / Math.max(1, this.target), 'step')}\n`,
      );
      return;
    }
    if (!finalize && (!this.isTTY || now - this.lastUpdate < this.interval)) return;
    this.lastUpdate = now;
    const progWidth = Math.floor((this.width * current) / this.target);
    let bar = `${count} [`;
    if (progWidth > 0) bar += '='.repeat(progWidth - 1) + (current < this.target ? '>' : '=');
    bar += `${'.'.repeat(this.width - progWidth)}]`;
    const info =
      (finalize
        ? ` - ${wholeNumber(elapsed)}s${formatTime(perStep, 'step')}`
        : ` - ETA: ${formatEta(perStep * (this.target - current))}`) + formatLogs(logs);
    const line = bar + info;
    const padding = ' '.repeat(Math.max(0, this.totalWidth - line.length));
    this.totalWidth = line.length;
    this.write((this.isTTY ? '\r' : '') + line + padding + (finalize ? '\n' : ''));
    this.open = this.isTTY && !finalize;
  }

  /** Ends an unfinished bar line (e.g. when training fails mid-epoch). */
  abort(): void {
    if (this.open) this.write('\n');
    this.open = false;
  }
}

/**
 * Keras's ProgbarLogger: prints `Epoch 3/25` (when there is more than one epoch) and a
 * `ProgressBar` per epoch, finalised with the epoch's logs including validation.
 */
export class ProgressLogger extends Callback {
  private bar: ProgressBar | undefined;

  constructor(
    readonly verbose: 1 | 2,
    private readonly output: ProgressOutput = {},
  ) {
    super();
  }

  private get write(): (text: string) => void {
    return this.output.write ?? ((text) => void process.stdout.write(text));
  }

  onEpochBegin(epoch: number): void {
    const params = this.params!;
    if (params.epochs > 1) this.write(`Epoch ${epoch + 1}/${params.epochs}\n`);
    this.bar = new ProgressBar(params.steps, this.verbose, this.output);
  }

  onBatchEnd(batch: number, logs: Logs = {}): void {
    if (batch + 1 < this.params!.steps) this.bar?.update(batch + 1, logs, false);
  }

  onEpochEnd(_epoch: number, logs: Logs = {}): void {
    this.bar?.update(this.params!.steps, logs, true);
    this.bar = undefined;
  }

  /** Ends an unfinished bar line when training stops with an error. */
  abort(): void {
    this.bar?.abort();
  }
}
