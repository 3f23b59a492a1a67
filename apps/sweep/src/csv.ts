import type { RunResult } from './executor.js';

/** One column: its header and how to read it from a run. */
const COLUMNS: [string, (r: RunResult) => unknown][] = [
  ['id', (r) => r.id],
  ['config_id', (r) => r.configId],
  ['status', (r) => r.status],
  ['architecture', (r) => r.architecture],
  ['hidden', (r) => r.config.hidden.join(' ')],
  ['dropout', (r) => r.config.dropout],
  ['batch_norm', (r) => r.config.batchNorm],
  ['activation', (r) => r.config.activation],
  ['optimizer', (r) => r.config.optimizer],
  ['learning_rate', (r) => r.config.learningRate],
  ['batch_size', (r) => r.config.batchSize],
  ['epochs', (r) => r.config.epochs],
  ['seed', (r) => r.config.seed],
  ['api', (r) => r.config.api],
  ['params', (r) => r.params],
  ['trainable_params', (r) => r.trainableParams],
  ['non_trainable_params', (r) => r.nonTrainableParams],
  ['epochs_done', (r) => r.history.loss.length],
  ['loss', (r) => r.final?.loss],
  ['accuracy', (r) => r.final?.accuracy],
  ['val_loss', (r) => r.final?.valLoss],
  ['val_accuracy', (r) => r.final?.valAccuracy],
  ['test_loss', (r) => r.final?.testLoss],
  ['test_accuracy', (r) => r.final?.testAccuracy],
  ['wall_seconds', (r) => round(r.timing.wallSeconds, 3)],
  ['samples_per_second', (r) => round(r.timing.samplesPerSecond, 1)],
  ['backend', (r) => r.backend],
  ['workers', (r) => r.workers],
  ['train_size', (r) => r.trainSize],
  ['resumed_from_epoch', (r) => r.resumedFromEpoch],
  ['started_at', (r) => r.timing.startedAt],
  ['finished_at', (r) => r.timing.finishedAt],
  ['error', (r) => r.error],
  // Per-epoch history, one value per epoch separated by ';' (first epoch first).
  ['history_loss', (r) => r.history.loss.join(';')],
  ['history_accuracy', (r) => r.history.accuracy.join(';')],
  ['history_val_loss', (r) => r.history.val_loss.join(';')],
  ['history_val_accuracy', (r) => r.history.val_accuracy.join(';')],
  ['history_seconds', (r) => r.history.seconds.map((s) => round(s, 3)).join(';')],
  ['history_workers', (r) => (r.history.workers ?? []).join(';')],
];

export const CSV_HEADER: readonly string[] = COLUMNS.map(([name]) => name);

/** results.csv: a header and one row per run (RFC 4180 quoting). */
export function resultsToCsv(runs: RunResult[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const run of runs) lines.push(COLUMNS.map(([, get]) => csvField(get(run))).join(','));
  return `${lines.join('\n')}\n`;
}

/** The per-epoch series history.csv holds, with Keras's names (seconds and workers included). */
const HISTORY_METRICS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'seconds', 'workers'] as const;

export const HISTORY_CSV_HEADER: readonly string[] = ['run', 'config_id', 'epoch', 'metric', 'value'];

/** history.csv: one row per run, epoch (1-based) and metric — the long format pandas and spreadsheets pivot. */
export function historyToCsv(runs: RunResult[]): string {
  const lines = [HISTORY_CSV_HEADER.join(',')];
  for (const run of runs) {
    for (const metric of HISTORY_METRICS) {
      (run.history[metric] ?? []).forEach((value, i) => {
        lines.push([run.id, run.configId, i + 1, metric, value].map(csvField).join(','));
      });
    }
  }
  return `${lines.join('\n')}\n`;
}

export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
