import { describe } from '../errors.js';
import type { RunProgress, RunResult } from '../executor.js';
import type { RunConfig } from '../run-config.js';

/**
 * What workers send back through Redis — progress and results — is checked before the
 * coordinator draws or writes it: it comes from the network.
 */

const STATUSES = ['finished', 'failed', 'interrupted'] as const;
const HISTORY_KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'seconds', 'workers'] as const;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e9;
const isNumber = (v: unknown): v is number => typeof v === 'number';

/** A progress message for the live display, or null when it is not one (it is then ignored). */
export function decodeRunProgress(value: unknown, runId: string): RunProgress | null {
  if (value === null || typeof value !== 'object') return null;
  const p = value as Record<string, unknown>;
  if (!isCount(p.epoch) || !isCount(p.epochs) || !isCount(p.batch) || !isCount(p.batches)) return null;
  const progress: RunProgress = { id: runId, epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batches };
  if (isNumber(p.loss)) progress.loss = p.loss;
  if (isNumber(p.accuracy)) progress.accuracy = p.accuracy;
  if (isCount(p.workers)) progress.workers = p.workers;
  if (typeof p.note === 'string') progress.note = p.note.slice(0, 500);
  const end = p.epochEnd as Record<string, unknown> | undefined;
  if (end && typeof end === 'object') {
    const { loss, accuracy, val_loss, val_accuracy, seconds } = end;
    if ([loss, accuracy, val_loss, val_accuracy, seconds].every(isNumber)) {
      progress.epochEnd = { loss, accuracy, val_loss, val_accuracy, seconds } as NonNullable<RunProgress['epochEnd']>;
    }
  }
  return progress;
}

/**
 * A worker's RunResult for `config`: the fields the files and the report use are checked, and
 * the config is the coordinator's own (a result cannot rename or reconfigure a run). The result
 * of a stretch up to `untilEpoch` (an ASHA trial's) may also be `stopped` there, having reached it.
 */
export function decodeRunResult(value: unknown, config: RunConfig, untilEpoch?: number): RunResult {
  const fail = (what: string, got: unknown): never => {
    throw new Error(`expected ${what}, but got ${describe(got)}`);
  };
  if (value === null || typeof value !== 'object') fail('a run result object', value);
  const r = value as Record<string, unknown>;
  if (r.id !== config.id) fail(`the result of run ${describe(config.id)}`, r.id);
  const reached = untilEpoch !== undefined && untilEpoch < config.epochs && r.status === 'stopped';
  if (!STATUSES.includes(r.status as never) && !reached) fail(`status one of ${STATUSES.join(', ')}`, r.status);
  const history = r.history as Record<string, unknown>;
  for (const key of HISTORY_KEYS) {
    const list = history?.[key];
    if (!Array.isArray(list) || list.length > config.epochs || !list.every(isNumber))
      fail(`history.${key}: at most ${config.epochs} numbers`, list);
  }
  if (reached && (history.loss as unknown[]).length !== untilEpoch)
    fail(`a stretch stopped after epoch ${untilEpoch}`, `${(history.loss as unknown[]).length} epochs`);
  for (const key of ['params', 'trainableParams', 'nonTrainableParams', 'workers', 'resumedFromEpoch', 'trainSize'])
    if (!isCount(r[key])) fail(`${key}: a count`, r[key]);
  for (const key of ['architecture', 'summary', 'backend'])
    if (typeof r[key] !== 'string') fail(`${key}: a string`, r[key]);
  if (r.status === 'finished') {
    const final = r.final as Record<string, unknown>;
    for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'testLoss', 'testAccuracy'])
      if (!isNumber(final?.[key])) fail(`final.${key}: a number`, final?.[key]);
  }
  return { ...(r as unknown as RunResult), config };
}
