import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { expandGrid, loadGrid } from './grid.js';
import { validateRunConfig } from './run-config.js';

describe('expandGrid', () => {
  it('takes the Cartesian product of every listed field, with defaults for the rest', () => {
    const runs = expandGrid({ hidden: [[250], [500, 250]], dropout: [0, 0.2], learningRate: [0.001, 0.01] }, 5);
    expect(runs).toHaveLength(2 * 2 * 2);
    const combos = runs.map((r) => `${r.hidden.join('-')}|${r.dropout}|${r.learningRate}`);
    expect(new Set(combos).size).toBe(8);
    for (const r of runs) {
      expect(validateRunConfig(r)).toBe(r);
      expect(r).toMatchObject({
        batchNorm: false,
        activation: 'relu',
        optimizer: 'adam',
        batchSize: 128,
        epochs: 5,
        api: 'sequential',
        seed: 5,
      });
    }
    // Ids name only the fields that vary, and are unique.
    expect(runs.map((r) => r.id)).toContain('h500-250_do0.2_lr0.01');
    expect(new Set(runs.map((r) => r.id)).size).toBe(8);
  });

  it('names runs the validator of --resume and of queue jobs accepts, with exponents', () => {
    const runs = expandGrid({ learningRate: [1e30, 1e-7, 0.5] }, 1);
    expect(runs.map((r) => r.id)).toEqual(['lr1e+30', 'lr1e-7', 'lr0.5']);
    for (const r of runs) expect(validateRunConfig(r)).toBe(r);
  });

  it('builds hidden layers from units × depth', () => {
    const runs = expandGrid({ units: [100, 50], depth: [1, 3] }, 1);
    expect(runs.map((r) => r.hidden)).toEqual([[100], [100, 100, 100], [50], [50, 50, 50]]);
    expect(runs.map((r) => r.id)).toEqual(['h100', 'h100x3', 'h50', 'h50x3']);
  });

  it('accepts single values and one hidden list of numbers', () => {
    const [run, ...rest] = expandGrid({ hidden: [64, 32], epochs: 2, optimizer: 'sgd' }, 1);
    expect(rest).toHaveLength(0);
    expect(run).toMatchObject({ id: 'grid', hidden: [64, 32], epochs: 2, optimizer: 'sgd', learningRate: 0.01 });
  });

  it('uses each optimizer’s Keras default learning rate when none is listed', () => {
    const runs = expandGrid({ optimizer: ['adam', 'sgd', 'rmsprop', 'adagrad'] }, 1);
    expect(runs.map((r) => [r.optimizer, r.learningRate])).toEqual([
      ['adam', 0.001],
      ['sgd', 0.01],
      ['rmsprop', 0.001],
      ['adagrad', 0.001],
    ]);
  });

  it.each([
    [{ dropout: [0, 1.5] }, 'dropout[1]: expected a dropout rate in [0, 1), but got 1.5.'],
    [
      { activation: ['relu', 'swish'] },
      'activation[1]: expected one of "relu", "elu", "selu", "tanh", "sigmoid", "softplus", "linear", but got "swish".',
    ],
    [{ optimizer: 'adamw' }, 'optimizer[0]: expected one of "adam", "sgd", "rmsprop", "adagrad", but got "adamw".'],
    [{ learningRate: [0.1, -1] }, 'learningRate[1]: expected a positive finite number, but got -1.'],
    [{ batchSize: [128, 0] }, 'batchSize[1]: expected a positive integer, but got 0.'],
    [{ epochs: [2.5] }, 'epochs[0]: expected a positive integer, but got 2.5.'],
    [
      { hidden: [[250], [0]] },
      'hidden[1]: expected a list of positive integer layer sizes ([] for none), but got [0].',
    ],
    [{ batchNorm: ['yes'] }, 'batchNorm[0]: expected one of true, false, but got "yes".'],
    [{ depth: [2] }, '"units" and "depth" go together, but got only depth [2].'],
    [
      { hidden: [[10]], units: [10], depth: [1] },
      'give hidden layers either as "hidden" or as "units" and "depth", not both',
    ],
    [{ dropuot: [0.1] }, 'unknown field "dropuot"'],
    [{ dropout: [] }, 'dropout: expected at least one value, but got an empty list.'],
    [[1, 2], 'expected a JSON object'],
  ])('rejects %j up front: %s', (spec, message) => {
    expect(() => expandGrid(spec, 1)).toThrow(ConfigError);
    expect(() => expandGrid(spec, 1)).toThrow(message);
  });

  it('refuses grids that explode', () => {
    const many = Array.from({ length: 11 }, (_, i) => i + 1);
    expect(() => expandGrid({ units: many, depth: many, batchSize: many }, 1)).toThrow(
      'the grid expands to 1331 runs; expected at most 1000',
    );
  });
});

describe('loadGrid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fnn-grid-'));

  it('names the file in every error', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"dropout": [0.5, 2]}');
    expect(() => loadGrid(bad, 1)).toThrow(`--grid ${bad}: dropout[1]: expected a dropout rate in [0, 1), but got 2.`);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"dropout": [0.5,');
    expect(() => loadGrid(broken, 1)).toThrow(`--grid ${broken}: not valid JSON`);
    expect(() => loadGrid(join(dir, 'missing.json'), 1)).toThrow('cannot read the file (ENOENT)');
  });

  it('expands the README’s example grid (examples/grid.json) to 8 runs', () => {
    const runs = loadGrid(fileURLToPath(new URL('../examples/grid.json', import.meta.url)), 1);
    expect(runs.map((r) => r.id)).toEqual([
      'h128_do0',
      'h128_do0.2',
      'h128x3_do0',
      'h128x3_do0.2',
      'h256_do0',
      'h256_do0.2',
      'h256x3_do0',
      'h256x3_do0.2',
    ]);
  });

  it('reads a valid grid', () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ units: [32], depth: [1, 2], activation: ['relu', 'tanh'] }));
    expect(loadGrid(good, 3).map((r) => r.id)).toEqual(['h32_relu', 'h32_tanh', 'h32x2_relu', 'h32x2_tanh']);
  });
});
