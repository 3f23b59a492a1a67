import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseSettings } from '../options.js';

function spaceFile(space: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fnn-search-opts-')), 'space.json');
  writeFileSync(path, JSON.stringify(space));
  return path;
}

const LISTS = spaceFile({ units: [50, 250], depth: [1, 3], epochs: 9 });
const RANDOM = spaceFile({ units: { int: [16, 256] }, depth: [1, 2], learningRate: { loguniform: [1e-4, 1e-2] } });

describe('search options', () => {
  it('--space alone is a grid over its lists; --scheduler asha gives every run R epochs', () => {
    const grid = parseSettings(['--space', LISTS]);
    expect(grid.runs.map((r) => r.id)).toEqual(['h50', 'h50x3', 'h250', 'h250x3']);
    expect(grid.search).toEqual({ strategy: 'grid', trials: 4, seed: 1, asha: null });
    const asha = parseSettings([
      '--space',
      LISTS,
      '--scheduler',
      'asha',
      '--max-epochs',
      '27',
      '--reduction-factor',
      '4',
    ]);
    expect(asha.runs.every((r) => r.epochs === 27)).toBe(true);
    // A grid under ASHA starts in an order shuffled with the seed (the same order for the same seed).
    const order = asha.runs.map((r) => r.id);
    expect([...order].sort()).toEqual(['h250', 'h250x3', 'h50', 'h50x3']);
    expect(parseSettings(['--space', LISTS, '--scheduler', 'asha']).runs.map((r) => r.id)).toEqual(order);
    const orders = new Set(
      [1, 2, 3, 4, 5, 6].map((seed) =>
        parseSettings(['--space', LISTS, '--scheduler', 'asha', '--seed', String(seed)])
          .runs.map((r) => r.id)
          .join(),
      ),
    );
    expect(orders.size).toBeGreaterThan(1);
    expect(asha.search?.asha).toEqual({
      maxEpochs: 27,
      gracePeriod: 1,
      reductionFactor: 4,
      metric: 'val_accuracy',
      mode: 'max',
    });
    // Without --max-epochs, R is the runs' common epoch count; val_loss is minimised.
    expect(parseSettings(['--space', LISTS, '--scheduler', 'asha', '--metric', 'val_loss']).search?.asha).toMatchObject(
      {
        maxEpochs: 9,
        metric: 'val_loss',
        mode: 'min',
      },
    );
  });

  it('--search random draws --trials configurations with --seed', () => {
    const a = parseSettings(['--space', RANDOM, '--search', 'random', '--trials', '5', '--seed', '9']);
    expect(a.runs.map((r) => r.id)).toEqual(['t01', 't02', 't03', 't04', 't05']);
    expect(a.search).toEqual({ strategy: 'random', trials: 5, seed: 9, asha: null });
    expect(parseSettings(['--space', RANDOM, '--search', 'random', '--trials', '5', '--seed', '9']).runs).toEqual(
      a.runs,
    );
    expect(a.runs.every((r) => r.seed === 9)).toBe(true);
  });

  const errors: [string[], string][] = [
    [['--search', 'random', '--trials', '3'], '--search random draws from a space; pass --space <file.json> too.'],
    [
      ['--space', RANDOM],
      `--space ${RANDOM}: units: {"int": [16, 256]} is a distribution, which a grid cannot enumerate; use --search random --trials <n>, or give a list.`,
    ],
    [
      ['--space', RANDOM, '--search', 'random'],
      '--search random: expected --trials <n>, the number of configurations to draw.',
    ],
    [['--space', LISTS, '--trials', '4'], '--trials 4 is the number of random draws; it goes with --search random.'],
    [['--space', LISTS, '--grid', LISTS], '--space and --grid both list the runs; pass one.'],
    [['--space', LISTS, '--max-epochs', '9'], "--max-epochs is ASHA's; pass --scheduler asha too."],
    [
      ['--space', LISTS, '--scheduler', 'asha', '--grace-period', '9'],
      '--grace-period 9: expected fewer epochs than --max-epochs 9, or no trial could be stopped.',
    ],
    [
      ['--space', LISTS, '--scheduler', 'asha', '--metric', 'val_loss', '--mode', 'max'],
      '--mode "max" with --metric val_loss: expected min (the other way round ASHA would keep the worst trials).',
    ],
    [
      ['--scheduler', 'asha'],
      '--scheduler asha: the runs have different epochs (5, 50, 25); expected --max-epochs <R> to give them all R.',
    ],
    [
      ['--space', LISTS, '--scheduler', 'asha', '--reduction-factor', '1'],
      "option '--reduction-factor <η>' argument '1' is invalid. expected --reduction-factor to be an integer ≥ 2, but got \"1\".",
    ],
    [
      ['--resume', 'runs/x', '--scheduler', 'asha'],
      "--resume runs/x reuses that sweep's runs and data; it cannot be combined with --scheduler.",
    ],
    [
      ['--space', LISTS, '--scheduler', 'asha', '--max-epochs', '20000'],
      "option '--max-epochs <R>' argument '20000' is invalid. expected --max-epochs to be an integer in [1, 10000], but got \"20000\".",
    ],
  ];
  for (const [argv, message] of errors) {
    it(`rejects ${argv.join(' ')}`, () => {
      expect(() => parseSettings(argv)).toThrow(new ConfigError(message));
    });
  }
});
