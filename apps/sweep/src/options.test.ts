import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { parseSettings } from './options.js';

describe('parseSettings', () => {
  const now = new Date(2026, 7, 20, 14, 3, 5);

  it('defaults to the lesson’s seven runs, real MNIST and runs/<timestamp>', () => {
    const s = parseSettings([], now);
    expect(s.runs.map((r) => [r.id, r.epochs])).toEqual([
      ['wide', 5],
      ['deep', 5],
      ['deep-dropout', 5],
      ['deep-dropout-50', 50],
      ['wide-deep', 25],
      ['wide-deep-bn', 25],
      ['functional-wide', 5],
    ]);
    expect(
      s.runs.every((r) => r.batchSize === 128 && r.optimizer === 'adam' && r.learningRate === 0.001 && r.seed === 1),
    ).toBe(true);
    expect(s).toMatchObject({
      outDir: 'runs/2026-08-20T14-03-05',
      resume: false,
      dataDir: null,
      saveModels: false,
      oversubscribe: false,
      concurrency: undefined,
      workersPerRun: undefined,
    });
  });

  it('applies --only, --quick, --seed and --repeats', () => {
    const s = parseSettings(['--only', 'wide,wide-deep-bn', '--quick', '--seed', '42', '--repeats', '2'], now);
    expect(s.runs.map((r) => [r.id, r.configId, r.epochs, r.seed])).toEqual([
      ['wide-s42', 'wide', 1, 42],
      ['wide-s43', 'wide', 1, 43],
      ['wide-deep-bn-s42', 'wide-deep-bn', 1, 42],
      ['wide-deep-bn-s43', 'wide-deep-bn', 1, 43],
    ]);
    expect(parseSettings(['--epochs', '3', '--only', 'deep'], now).runs.map((r) => r.epochs)).toEqual([3]);
  });

  it('reads the machine options', () => {
    const s = parseSettings(
      [
        '--concurrency',
        '2',
        '--workers-per-run',
        '2',
        '--oversubscribe',
        '--backend',
        'cpu',
        '--out',
        'x',
        '--save-models',
        '--limit-train',
        '500',
        '--limit-eval',
        '100',
        '--data-dir',
        '/data/fashion',
      ],
      now,
    );
    expect(s).toMatchObject({
      concurrency: 2,
      workersPerRun: 2,
      oversubscribe: true,
      backend: 'cpu',
      outDir: 'x',
      saveModels: true,
      limitTrain: 500,
      limitEval: 100,
      dataDir: '/data/fashion',
    });
  });

  it.each([
    [
      ['--only', 'wide,wdie'],
      'unknown run id "wdie"; expected some of wide, deep, deep-dropout, deep-dropout-50, wide-deep, wide-deep-bn, functional-wide.',
    ],
    [
      ['--epochs', '0'],
      "option '--epochs <n>' argument '0' is invalid. expected --epochs to be an integer in [1, 10000], but got \"0\".",
    ],
    [['--epochs', '2.5'], 'expected --epochs to be an integer in [1, 10000], but got "2.5".'],
    [['--concurrency', 'two'], 'expected --concurrency to be an integer ≥ 1, but got "two".'],
    [
      ['--backend', 'gpu'],
      "option '--backend <name>' argument 'gpu' is invalid. Allowed choices are auto, tensorflow, native, wasm, cpu.",
    ],
    [['--quick', '--epochs', '3'], '--quick (1 epoch) and --epochs 3 contradict each other; pass one.'],
    [
      ['--resume', 'runs/a', '--only', 'wide'],
      '--resume runs/a reuses that sweep’s runs and data; it cannot be combined with --only.'.replace('’', "'"),
    ],
    [['--in-process', '--concurrency', '2'], '--in-process trains one run at a time on one thread'],
    [['--bogus'], "unknown option '--bogus'"],
  ])('rejects %j: %s', (argv, message) => {
    expect(() => parseSettings(argv, now)).toThrow(ConfigError);
    expect(() => parseSettings(argv, now)).toThrow(message);
  });

  it('resumes with the folder’s own plan', () => {
    expect(parseSettings(['--resume', 'runs/a', '--concurrency', '1'], now)).toMatchObject({
      resume: true,
      outDir: 'runs/a',
      runs: [],
      concurrency: 1,
    });
  });
});
