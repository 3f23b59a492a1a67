import { basename } from 'node:path';
import { readBoundedJson } from './bounded-read.js';
import { ConfigError, describe, errorMessage } from './errors.js';
import type { EpochHistory, RunResult } from './executor.js';
import { MAX_JSON_FILE_BYTES } from './limits.js';
import { validateRunConfig } from './run-config.js';
import { isRungDecision } from './search/asha.js';

const STATUSES = ['finished', 'failed', 'interrupted', 'stopped'] as const;
const HISTORY_KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'seconds', 'workers'] as const;
const FINAL_KEYS = ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'testLoss', 'testAccuracy'] as const;
/** Text fields of a run (summary, error, ...) longer than this are not ours. */
const MAX_TEXT = 1 << 20;
/** A confusion matrix of more classes than this is not one of ours (MNIST has 10). */
const MAX_CLASSES = 1000;

/**
 * Reads `runs/<id>.json` as untrusted input: bounded in size, then every field checked for its
 * type and range, so a tampered or foreign file is refused with the file and field named
 * instead of reaching the table, the CSV or report.html.
 */
export function readRunFile(path: string): RunResult {
  let value: unknown;
  try {
    value = readBoundedJson(path, MAX_JSON_FILE_BYTES);
  } catch (error) {
    throw new ConfigError(`${path}: ${errorMessage(error)}.`);
  }
  const run = validateRunResult(value, path);
  const expected = basename(path, '.json');
  if (run.id !== expected) {
    throw new ConfigError(
      `${path}: id: expected ${describe(expected)} (the file's name), but got ${describe(run.id)}.`,
    );
  }
  return run;
}

/** Checks a run record field by field; `where` prefixes every error (the file's path). */
export function validateRunResult(value: unknown, where: string): RunResult {
  const record = object(value, where);
  const field = (name: string) => `${where}: ${name}`;
  const config = validateRunConfig(record.config, `${where}: config`);
  text(record.id, field('id'));
  if (record.id !== config.id) {
    throw new ConfigError(
      `${field('id')}: expected the config's id ${describe(config.id)}, but got ${describe(record.id)}.`,
    );
  }
  text(record.configId, field('configId'));
  if (!STATUSES.includes(record.status as RunResult['status'])) {
    throw new ConfigError(
      `${field('status')}: expected one of ${STATUSES.map((s) => describe(s)).join(', ')}, but got ${describe(record.status)}.`,
    );
  }
  if (record.error !== undefined) text(record.error, field('error'));
  for (const name of ['architecture', 'summary', 'backend'] as const) text(record[name], field(name));
  for (const name of [
    'params',
    'trainableParams',
    'nonTrainableParams',
    'workers',
    'resumedFromEpoch',
    'trainSize',
  ] as const) {
    count(record[name], field(name));
  }
  const history = object(record.history, field('history')) as unknown as EpochHistory;
  for (const key of HISTORY_KEYS) {
    const values = (history as unknown as Record<string, unknown>)[key];
    if (key === 'workers' && values === undefined) continue; // older files did not record it
    if (!Array.isArray(values) || values.length > config.epochs) {
      throw new ConfigError(
        `${field(`history.${key}`)}: expected a list of at most ${config.epochs} numbers (one per epoch), but got ${describe(values)}.`,
      );
    }
    values.forEach((v, i) => finite(v, field(`history.${key}[${i}]`)));
  }
  if (record.final !== null) {
    const final = object(record.final, field('final'));
    for (const key of FINAL_KEYS) finite(final[key], field(`final.${key}`));
  }
  if (record.status === 'finished' && record.final === null) {
    throw new ConfigError(`${field('final')}: expected the metrics of a finished run, but got null.`);
  }
  if (record.status === 'stopped' && !isRungDecision(record.stoppedBy)) {
    throw new ConfigError(
      `${field('stoppedBy')}: expected the rung decision that stopped the run, but got ${describe(record.stoppedBy)}.`,
    );
  }
  if (record.testConfusion !== undefined) confusion(record.testConfusion, field('testConfusion'));
  const timing = object(record.timing, field('timing'));
  text(timing.startedAt, field('timing.startedAt'));
  text(timing.finishedAt, field('timing.finishedAt'));
  finite(timing.wallSeconds, field('timing.wallSeconds'));
  finite(timing.samplesPerSecond, field('timing.samplesPerSecond'));
  if (record.data !== undefined) {
    const data = object(record.data, field('data'));
    if (data.dataDir !== null) text(data.dataDir, field('data.dataDir'));
    for (const key of ['limitTrain', 'limitEval'] as const)
      if (data[key] !== null) count(data[key], field(`data.${key}`));
  }
  return record as unknown as RunResult;
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${where}: expected an object, but got ${describe(value)}.`);
  }
  return value as Record<string, unknown>;
}

function text(value: unknown, where: string): void {
  if (typeof value !== 'string' || value.length > MAX_TEXT) {
    throw new ConfigError(`${where}: expected a string of at most ${MAX_TEXT} characters, but got ${describe(value)}.`);
  }
}

function count(value: unknown, where: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(`${where}: expected a non-negative integer, but got ${describe(value)}.`);
  }
}

function finite(value: unknown, where: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(`${where}: expected a finite number, but got ${describe(value)}.`);
  }
}

/** A square matrix of counts, one row per class (at most MAX_CLASSES classes). */
function confusion(value: unknown, where: string): void {
  const rows = Array.isArray(value) ? value : null;
  if (!rows || rows.length > MAX_CLASSES || rows.some((row) => !Array.isArray(row) || row.length !== rows.length)) {
    throw new ConfigError(
      `${where}: expected a square list of lists of counts (at most ${MAX_CLASSES} classes), but got ${describe(value)}.`,
    );
  }
  rows.forEach((row: unknown[], i) => {
    row.forEach((v, j) => {
      count(v, `${where}[${i}][${j}]`);
    });
  });
}
