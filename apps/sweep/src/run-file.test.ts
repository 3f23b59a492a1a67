import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { GRID_FIELDS, expandGrid, loadGrid } from './grid.js';
import { MAX_JSON_FILE_BYTES, MAX_RUNS } from './limits.js';
import { readRunFile } from './run-file.js';
import { defaultRuns, validateRunConfig } from './run-config.js';
import { differenceFromPlan } from './sweep.js';
import { fakeResult } from '../test-support/fake-runs.js';

const folder = () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'fnn-runs-')), 'runs');
  mkdirSync(dir);
  return dir;
};
const wide = defaultRuns()[0]!;
const data = { dataDir: null, limitTrain: null, limitEval: null };
const goodRun = () => ({ ...fakeResult(wide), data });

// Class 6 (run files are input) and class 5 (resume keeps only runs of this plan) of issue 11.
describe('run files read on resume', () => {
  it('reads a run file the sweep wrote', () => {
    const dir = folder();
    const written = JSON.stringify(goodRun());
    writeFileSync(join(dir, 'wide.json'), written);
    expect(readRunFile(join(dir, 'wide.json'))).toEqual(JSON.parse(written));
  });

  it.each([
    [
      (r: Record<string, unknown>) => ({ ...r, backend: 42 }),
      'backend: expected a string of at most 1048576 characters, but got 42.',
    ],
    [
      (r: Record<string, unknown>) => ({ ...r, workers: '<b>2</b>' }),
      'workers: expected a non-negative integer, but got "<b>2</b>".',
    ],
    [
      (r: Record<string, unknown>) => ({ ...r, status: 'pwned' }),
      'status: expected one of "finished", "failed", "interrupted", "stopped", but got "pwned".',
    ],
    [(r: Record<string, unknown>) => ({ ...r, id: 'deep' }), `id: expected the config's id "wide", but got "deep".`],
    [
      (r: Record<string, unknown>) => ({ ...r, history: { ...(r.history as object), loss: [1, 'x', 3, 4, 5] } }),
      'history.loss[1]: expected a finite number, but got "x".',
    ],
    [
      (r: Record<string, unknown>) => ({ ...r, history: { ...(r.history as object), loss: Array(6).fill(1) } }),
      'history.loss: expected a list of at most 5 numbers (one per epoch), but got [1, 1, 1, 1, 1, 1].',
    ],
    [
      (r: Record<string, unknown>) => ({ ...r, final: null }),
      'final: expected the metrics of a finished run, but got null.',
    ],
    [
      (r: Record<string, unknown>) => ({ ...r, config: { ...wide, hidden: [1e9] } }),
      'config.hidden[0]: expected at most 65536 units, but got 1000000000.',
    ],
  ])('refuses a tampered file, naming it and the field (%#)', (mutate, message) => {
    const dir = folder();
    const path = join(dir, 'wide.json');
    writeFileSync(path, JSON.stringify(mutate(goodRun() as unknown as Record<string, unknown>)));
    expect(() => readRunFile(path)).toThrow(ConfigError);
    expect(() => readRunFile(path)).toThrow(`${path}: ${message}`);
  });

  it('refuses a run file of another name, an oversized one, a device and broken JSON', () => {
    const dir = folder();
    writeFileSync(join(dir, 'deep.json'), JSON.stringify(goodRun()));
    expect(() => readRunFile(join(dir, 'deep.json'))).toThrow(
      `${join(dir, 'deep.json')}: id: expected "deep" (the file's name), but got "wide".`,
    );
    writeFileSync(join(dir, 'big.json'), Buffer.alloc(MAX_JSON_FILE_BYTES + 1, 0x20));
    expect(() => readRunFile(join(dir, 'big.json'))).toThrow(`the file has ${MAX_JSON_FILE_BYTES + 1} bytes`);
    symlinkSync('/dev/zero', join(dir, 'zero.json'));
    expect(() => readRunFile(join(dir, 'zero.json'))).toThrow('expected a regular file, but it is a device');
    writeFileSync(join(dir, 'cut.json'), JSON.stringify(goodRun()).slice(0, 100));
    expect(() => readRunFile(join(dir, 'cut.json'))).toThrow(`${join(dir, 'cut.json')}: not valid JSON (`);
  });

  it('keeps a finished run on resume only when its config and data settings match the plan', () => {
    const run = goodRun();
    expect(differenceFromPlan(run, wide, data)).toBeNull();
    expect(differenceFromPlan(run, { ...wide, epochs: 6 }, data)).toBe('has epochs 5 where the plan has 6');
    expect(differenceFromPlan(run, { ...wide, hidden: [128] }, data)).toBe('has hidden [250] where the plan has [128]');
    expect(differenceFromPlan(run, wide, { ...data, limitTrain: 1000 })).toBe(
      'was trained with limitTrain null where the plan has 1000',
    );
    expect(differenceFromPlan({ ...run, data: undefined }, wide, data)).toBe('does not record its data settings');
  });
});

/** Any JSON value, biased towards the shapes grids and run files have. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 1, 1e9, 2 ** 32, 0.5, NaN, '', 'relu', 'adam', '__proto__'),
    fc.double(),
    fc.integer(),
    fc.string(),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

// Property tests: random and mutated inputs end in a result or the sweep's own ConfigError —
// never a crash, a TypeError or a RangeError from deep inside.
describe('property: grid files and run files never crash the sweep', () => {
  const endsWell = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
    }
  };

  it('random grids expand to valid runs within the cap, or a ConfigError', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...GRID_FIELDS, 'x'), json, { maxKeys: 6 }), (spec) => {
        endsWell(() => {
          const runs = expandGrid(spec, 1);
          expect(runs.length).toBeLessThanOrEqual(MAX_RUNS);
          for (const r of runs) validateRunConfig(r);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated grid files (bytes cut, changed, any JSON) end in runs or a ConfigError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-grid-prop-'));
    const base = JSON.stringify({ units: [64, 128], depth: [1, 3], dropout: [0, 0.2], epochs: 2 });
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.nat(255), fc.boolean(), (at, byte, cut) => {
        const bytes = Buffer.from(base);
        if (!cut) bytes.fill(byte, at, at + 1);
        const mutated = cut ? bytes.subarray(0, at) : bytes;
        const path = join(dir, 'g.json');
        writeFileSync(path, mutated);
        endsWell(() => loadGrid(path, 1));
      }),
      { numRuns: 500 },
    );
  });

  it('mutated run files are read whole and valid, or refused with a ConfigError naming the file', () => {
    const dir = folder();
    const path = join(dir, 'wide.json');
    const paths = (value: unknown, prefix: string[] = []): string[][] =>
      value !== null && typeof value === 'object'
        ? Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])])
        : [];
    const fields = paths(goodRun());
    fc.assert(
      fc.property(fc.constantFrom(...fields), json, (field, replacement) => {
        const run = JSON.parse(JSON.stringify(goodRun())) as Record<string, unknown>;
        let target = run as Record<string, unknown>;
        for (const key of field.slice(0, -1)) target = target[key] as Record<string, unknown>;
        target[field.at(-1)!] = replacement;
        writeFileSync(path, JSON.stringify(run));
        try {
          const read = readRunFile(path);
          expect(read.id).toBe('wide');
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as Error).message.startsWith(`${path}: `)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
