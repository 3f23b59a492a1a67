import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { expandGrid, loadGrid } from './grid.js';
import { MAX_GRID_FILE_BYTES, MAX_PARAMS, MAX_RUNS, maxThreads } from './limits.js';
import { parseSettings } from './options.js';
import { validateRunConfig } from './run-config.js';
import { planSlots } from './schedule.js';
import { defaultRuns } from './run-config.js';

// Class 2 of issue 11 (work and memory before checks) and class 4 (unbounded resources): every
// size, count and cap is checked from the numbers before anything is allocated.
describe('sizes and caps are checked before allocating', () => {
  const gridFile = (content: string | Buffer) => {
    const path = join(mkdtempSync(join(tmpdir(), 'fnn-grid-')), 'grid.json');
    writeFileSync(path, content);
    return path;
  };

  it.each([
    [{ units: [10], depth: [1_000_000_000] }, 'depth[0]: expected at most 100, but got 1000000000.'],
    [{ units: [1_000_000], depth: [1] }, 'units[0]: expected at most 65536, but got 1000000.'],
    [{ hidden: [Array(101).fill(8)] }, 'hidden[0]: expected at most 100 hidden layers, but got 101.'],
    [{ epochs: [1e9] }, 'epochs[0]: expected at most 10000, but got 1000000000.'],
    [{ batchSize: [1e9] }, 'batchSize[0]: expected at most 65536, but got 1000000000.'],
    // 784·65536 + 65536 + 99·(65536² + 65536) + 655370 parameters: counted, not built.
    [{ units: [65_536], depth: [100] }, `parameters; expected at most ${MAX_PARAMS.toLocaleString('en-US')}.`],
  ])('refuses %j', (spec, message) => {
    expect(() => expandGrid(spec, 1)).toThrow(ConfigError);
    expect(() => expandGrid(spec, 1)).toThrow(message);
  });

  it('refuses a 1000 × 1000 units × depth grid by the run cap, from the product, before building it', () => {
    const units = Array.from({ length: 1000 }, (_, i) => i + 1);
    const depth = Array.from({ length: 1000 }, (_, i) => (i % 100) + 1);
    const heapBefore = process.memoryUsage().heapUsed;
    expect(() => expandGrid({ units, depth }, 1)).toThrow(
      `the grid expands to 1000000 runs; expected at most ${MAX_RUNS} (check for a misplaced list).`,
    );
    // Building the 10⁶ hidden lists (50 M numbers) would take ~400 MB; the check allocates nothing of the sort.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50e6);
  });

  it('size-checks a grid file before reading it, and refuses devices and folders', () => {
    const big = gridFile(Buffer.alloc(MAX_GRID_FILE_BYTES + 1, 0x20));
    expect(() => loadGrid(big, 1)).toThrow(
      `--grid ${big}: the file has ${MAX_GRID_FILE_BYTES + 1} bytes; expected at most ${MAX_GRID_FILE_BYTES}.`,
    );
    expect(() => loadGrid('/dev/zero', 1)).toThrow(
      '--grid /dev/zero: expected a regular file, but it is a device, socket or pipe.',
    );
    expect(() => loadGrid(tmpdir(), 1)).toThrow(`--grid ${tmpdir()}: expected a file, but it is a directory.`);
    // A 35-byte grid (the issue's) is read, then refused by value.
    const small = gridFile('{"units":[10],"depth":[1000000000]}');
    expect(() => loadGrid(small, 1)).toThrow(`--grid ${small}: depth[0]: expected at most 100, but got 1000000000.`);
  });

  it('checks --repeats against the run cap before making copies, and keeps seeds in 32 bits', () => {
    expect(() => parseSettings(['--repeats', '1000000'])).toThrow(
      'expected --repeats to be an integer in [1, 1000], but got "1000000".',
    );
    expect(() => parseSettings(['--repeats', '200'])).toThrow(
      '--repeats 200 × 7 configuration(s) = 1400 runs; expected at most 1000.',
    );
    expect(parseSettings(['--repeats', '142']).runs).toHaveLength(994);
    expect(() => parseSettings(['--seed', '4294967295', '--repeats', '3', '--only', 'wide'])).toThrow(
      '--seed 4294967295 with --repeats 3 needs seeds up to 4294967297; expected seed + repeats - 1 ≤ 4294967295.',
    );
  });

  // Class 8: a seed the trainer cannot take is refused at the command line, naming --seed.
  it.each(['4294967296', '-1', '1.5', '1e3'])('refuses --seed %s, naming --seed', (seed) => {
    expect(() => parseSettings(['--seed', seed])).toThrow(
      `expected --seed to be an integer in [0, 4294967295], but got "${seed}".`,
    );
  });

  it('refuses a run configuration (sweep.json, run files) beyond the caps', () => {
    const wide = defaultRuns()[0]!;
    // 784·65536 + 65536 + 65536·65536 + 65536 + 65536·10 + 10, by hand.
    expect(() => validateRunConfig({ ...wide, hidden: [65_536, 65_536] }, 'r')).toThrow(
      'r: hidden [65536, 65536] makes a model of 4,347,133,962 parameters; expected at most 100,000,000.',
    );
    expect(() => validateRunConfig({ ...wide, seed: 2 ** 32 }, 'r')).toThrow(
      'r.seed: expected an integer seed in [0, 4294967295], but got 4294967296.',
    );
  });

  // Class 4: --oversubscribe goes at most 4 threads per core, and no further than memory allows.
  it('bounds the training threads even with --oversubscribe', () => {
    const gib = 2 ** 30;
    expect(maxThreads(2, 24 * gib).limit).toBe(8);
    expect(maxThreads(64, 4 * gib).limit).toBe(64); // memory allows 32, but never fewer than the cores
    expect(maxThreads(8, 1 * gib).limit).toBe(8);
    expect(
      planSlots({ cores: 2, runs: 7, workersPerRun: 4, concurrency: 2, oversubscribe: true, totalMemory: 24 * gib }),
    ).toEqual({ concurrency: 2, workersPerRun: 4 });
    expect(() =>
      planSlots({ cores: 2, runs: 7, workersPerRun: 1000, oversubscribe: true, totalMemory: 24 * gib }),
    ).toThrow(
      "--concurrency 1 × --workers-per-run 1000 = 1000 threads; expected at most 8 even with --oversubscribe (4 per core on this machine's 2 cores).",
    );
    expect(() => planSlots({ cores: 2, runs: 7, concurrency: 1000, oversubscribe: true })).toThrow(
      "--concurrency 1000 × --workers-per-run 1 = 1000 threads; expected at most 8 even with --oversubscribe (4 per core on this machine's 2 cores).",
    );
    // Half of 512 MiB holds four 64 MiB threads.
    expect(() => planSlots({ cores: 2, runs: 7, workersPerRun: 8, oversubscribe: true, totalMemory: gib / 2 })).toThrow(
      "--concurrency 1 × --workers-per-run 8 = 8 threads; expected at most 4 even with --oversubscribe (an estimated 64 MiB per worker in 50% of this machine's 512 MiB of memory).",
    );
  });
});
