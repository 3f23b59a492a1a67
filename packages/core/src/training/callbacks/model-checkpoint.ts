import { ValueError, describeValue } from '../../errors.js';
import type { Logs } from '../train-step.js';
import { Callback, monitorMode } from './callback.js';

export interface ModelCheckpointArgs {
  /**
   * Where `model.save` writes, e.g. `file://checkpoints/epoch-{epoch:02d}`. Placeholders as in
   * Keras: `{epoch}` (1-based) and any log key, with an optional format (`{val_loss:.4f}`).
   */
  path: string;
  /** Log key compared with `saveBestOnly`. Default `val_loss`. */
  monitor?: string;
  /** Save only when `monitor` improves on the best so far. Default false. */
  saveBestOnly?: boolean;
  /** `min`, `max`, or `auto` (max for names ending in acc/accuracy/auc). Default auto. */
  mode?: 'auto' | 'min' | 'max';
  /** 1 prints a line per save. Default 0. */
  verbose?: 0 | 1;
}

/** Keras's ModelCheckpoint: saves the model with `model.save` after each epoch (or only the best ones). */
export class ModelCheckpoint extends Callback {
  readonly path: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: 'min' | 'max';
  readonly verbose: 0 | 1;
  best = Infinity;
  /** Paths written so far, in order. */
  readonly saved: string[] = [];

  constructor(args: ModelCheckpointArgs) {
    super();
    if (typeof args?.path !== 'string' || args.path === '') {
      throw new ValueError(
        `modelCheckpoint: expected path to be a non-empty string like 'file://checkpoints/epoch-{epoch:02d}', but got ${describeValue(args?.path)}.`,
      );
    }
    this.path = args.path;
    this.monitor = args.monitor ?? 'val_loss';
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.mode = monitorMode(this.monitor, args.mode ?? 'auto');
    this.verbose = args.verbose ?? 0;
  }

  onTrainBegin(): void {
    this.best = this.mode === 'max' ? -Infinity : Infinity;
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const path = formatPath(this.path, epoch, logs);
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        console.warn(
          `modelCheckpoint: cannot save the best model: ${describeValue(this.monitor)} is not in the logs; available: ${Object.keys(logs).join(', ')}.`,
        );
        return;
      }
      const improved = this.mode === 'max' ? current > this.best : current < this.best;
      if (!improved) {
        if (this.verbose > 0)
          console.log(`Epoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best.toFixed(5)}`);
        return;
      }
      if (this.verbose > 0)
        console.log(
          `Epoch ${epoch + 1}: ${this.monitor} improved from ${this.best.toFixed(5)} to ${current.toFixed(5)}, saving model to ${path}`,
        );
      this.best = current;
    } else if (this.verbose > 0) {
      console.log(`Epoch ${epoch + 1}: saving model to ${path}`);
    }
    await this.model!.save(path);
    this.saved.push(path);
  }
}

/** Fills `{epoch}`, `{epoch:02d}`, `{loss:.4f}`-style placeholders (Python's format subset Keras users write). */
export function formatPath(template: string, epoch: number, logs: Logs): string {
  const values: Logs = { ...logs, epoch: epoch + 1 };
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (match, key: string, spec: string | undefined) => {
    const value = values[key];
    if (value === undefined)
      throw new ValueError(
        `modelCheckpoint: the path ${describeValue(template)} uses {${key}}, which is not in the logs (${Object.keys(values).join(', ')}).`,
      );
    if (spec === undefined || spec === '') return String(value);
    const m = /^(0?)(\d*)(?:\.(\d+))?([dfe])$/.exec(spec);
    if (!m)
      throw new ValueError(
        `modelCheckpoint: unsupported format ${describeValue(match)}; use forms like {epoch:02d} or {val_loss:.4f}.`,
      );
    const [, zero, width, precision, type] = m;
    const text =
      type === 'd'
        ? String(Math.round(value))
        : type === 'e'
          ? value.toExponential(Number(precision ?? 6))
          : value.toFixed(Number(precision ?? 6));
    return text.padStart(Number(width || 0), zero ? '0' : ' ');
  });
}

export function modelCheckpoint(args: ModelCheckpointArgs): ModelCheckpoint {
  return new ModelCheckpoint(args);
}
