import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { MAX_SPACE_BYTES, loadSpace, parseSpace, spaceToGrid } from './space.js';

function file(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fnn-space-')), name);
  writeFileSync(path, content);
  return path;
}

describe('parseSpace', () => {
  it('reads values, lists and distributions per field', () => {
    expect(
      parseSpace({
        units: { int: [32, 512] },
        depth: [1, 3],
        dropout: { uniform: [0, 0.5] },
        learningRate: { loguniform: [1e-4, 1e-1] },
        activation: { choice: ['relu', 'tanh'] },
        optimizer: 'adam',
      }),
    ).toEqual({
      units: { kind: 'int', low: 32, high: 512 },
      depth: { kind: 'choice', values: [1, 3] },
      dropout: { kind: 'uniform', low: 0, high: 0.5 },
      learningRate: { kind: 'loguniform', low: 1e-4, high: 1e-1 },
      activation: { kind: 'choice', values: ['relu', 'tanh'] },
      optimizer: { kind: 'choice', values: ['adam'] },
    });
    // A hidden list of numbers is one architecture, as in grids; a list of lists is a choice.
    expect(parseSpace({ hidden: [64, 32] }).hidden).toEqual({ kind: 'choice', values: [[64, 32]] });
    expect(parseSpace({ hidden: [[64], [32, 32]] }).hidden).toEqual({ kind: 'choice', values: [[64], [32, 32]] });
  });

  const errors: [string, unknown, string][] = [
    [
      'a range that includes 0 on a log scale',
      { learningRate: { loguniform: [0, 0.1] } },
      'learningRate: expected [low, high] with 0 < low < high, but got [0, 0.1].',
    ],
    [
      'a reversed range',
      { learningRate: { uniform: [0.1, 0.01] } },
      'learningRate: expected [low, high] with 0 < low < high, but got [0.1, 0.01].',
    ],
    [
      'a dropout range reaching 1',
      { dropout: { uniform: [0, 1] } },
      'dropout: expected [low, high] with 0 ≤ low < high < 1, but got [0, 1].',
    ],
    [
      'fractional integer bounds',
      { units: { int: [16.5, 64] } },
      'units: expected [low, high] with integers with 1 ≤ low < high, but got [16.5, 64].',
    ],
    [
      'one bound only',
      { depth: { int: [3] } },
      'depth: expected [low, high] with integers with 1 ≤ low < high, but got [3].',
    ],
    [
      'a distribution the field does not take',
      { activation: { uniform: [0, 1] } },
      'activation: {"uniform": ...} is not a distribution this field takes; expected a value, a list, {"choice": [...]}, but got {"uniform":[0,1]}.',
    ],
    [
      'a float distribution for an integer field',
      { units: { loguniform: [16, 1024] } },
      'units: {"loguniform": ...} is not a distribution this field takes; expected a value, a list, {"choice": [...]} or {"int": [low, high]}, but got {"loguniform":[16,1024]}.',
    ],
    [
      'an unknown distribution',
      { learningRate: { normal: [0, 1] } },
      'learningRate: expected one of {"uniform": ...}, {"loguniform": ...}, {"int": ...}, {"choice": ...}, but got {"normal":[0,1]}.',
    ],
    [
      'an object that is no distribution',
      { dropout: { uniform: [0, 0.5], int: [1, 2] } },
      'dropout: expected a value, a list, or one of {"uniform": ...}, {"loguniform": ...}, {"int": ...}, {"choice": ...}, but got {"uniform":[0,0.5],"int":[1,2]}.',
    ],
    [
      'an empty choice',
      { optimizer: { choice: [] } },
      'optimizer: expected {"choice": [a non-empty list of values]}, but got {"choice":[]}.',
    ],
    ['an empty list', { batchSize: [] }, 'batchSize: expected at least one value, but got an empty list.'],
    ['a bad listed value', { dropout: [0, 1.5] }, 'dropout[1]: expected a dropout rate in [0, 1), but got 1.5.'],
    [
      'a bad chosen value',
      { activation: { choice: ['relu', 'swish'] } },
      'activation[1]: expected one of "relu", "elu", "selu", "tanh", "sigmoid", "softplus", "linear", but got "swish".',
    ],
    [
      "an int range past the grid's cap",
      { units: { int: [16, 1e6] }, depth: 1 },
      'units[1]: expected at most 65536, but got 1000000.',
    ],
    [
      'units without depth',
      { units: { int: [16, 64] } },
      '"units" and "depth" go together, but got only units {"int":[16,64]}.',
    ],
    [
      'an unknown field',
      { momentum: 0.9 },
      'unknown field "momentum"; expected some of hidden, units, depth, dropout, batchNorm, activation, optimizer, learningRate, batchSize, epochs, api, conv, pool.',
    ],
    [
      'not an object',
      [1, 2],
      'expected a JSON object with a value, a list or a distribution for some of hidden, units, depth, dropout, batchNorm, activation, optimizer, learningRate, batchSize, epochs, api, conv, pool, but got [1, 2].',
    ],
  ];
  for (const [what, space, message] of errors) {
    it(`rejects ${what}`, () => {
      expect(() => parseSpace(space)).toThrow(new ConfigError(message));
    });
  }
});

describe('loadSpace', () => {
  it('names the file in every error, as grids do', () => {
    const path = file('space.json', '{"learningRate": {"loguniform": [0, 0.1]}}');
    expect(() => loadSpace(path)).toThrow(
      `--space ${path}: learningRate: expected [low, high] with 0 < low < high, but got [0, 0.1].`,
    );
    const broken = file('space.json', '{"units": [1,');
    expect(() => loadSpace(broken)).toThrow(new RegExp(`^--space ${broken}: not valid JSON`));
    expect(() => loadSpace(join(tmpdir(), 'no-such-space.json'))).toThrow(/cannot read the file \(ENOENT\)/);
  });

  it('checks the size before reading, and refuses folders', () => {
    const text = `{"dropout": [${'0,'.repeat(MAX_SPACE_BYTES / 2)}0]}`;
    const big = file('space.json', text);
    expect(() => loadSpace(big)).toThrow(
      `--space ${big}: expected a JSON file of at most ${MAX_SPACE_BYTES} bytes, but it has ${text.length}.`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'fnn-space-'));
    mkdirSync(join(dir, 'space.json'));
    expect(() => loadSpace(join(dir, 'space.json'))).toThrow('is not a regular file.');
  });

  it('loads the example shipped with the sweep: 27 configurations as a grid', () => {
    const example = fileURLToPath(new URL('../../examples/space-27.json', import.meta.url));
    const runs = spaceToGrid(loadSpace(example), 1);
    expect(runs).toHaveLength(27);
    expect(new Set(runs.map((r) => `${r.hidden.join('-')}|${r.dropout}`)).size).toBe(27);
    expect(runs.every((r) => r.epochs === 9)).toBe(true);
  });
});

describe('spaceToGrid', () => {
  it('expands lists like a grid and refuses distributions', () => {
    expect(spaceToGrid(parseSpace({ units: [64, 32], depth: 2 }), 1).map((r) => r.hidden)).toEqual([
      [64, 64],
      [32, 32],
    ]);
    expect(() => spaceToGrid(parseSpace({ learningRate: { loguniform: [1e-4, 1e-2] } }), 1)).toThrow(
      'learningRate: {"loguniform": [0.0001, 0.01]} is a distribution, which a grid cannot enumerate; use --search random --trials <n>, or give a list.',
    );
  });
});
