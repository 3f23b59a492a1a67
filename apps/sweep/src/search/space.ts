import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ConfigError, describe } from '../errors.js';
import { GRID_FIELDS, expandGrid, fieldOptions, type GridSpec } from '../grid.js';
import type { RunConfig } from '../run-config.js';

/**
 * Where a field's value comes from in a search space: a list to choose from (a single value is
 * a list of one), or a distribution. `int` is inclusive at both ends.
 */
export type Domain =
  | { kind: 'choice'; values: unknown[] }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'loguniform'; low: number; high: number }
  | { kind: 'int'; low: number; high: number };

/** A space names the same fields as a grid. */
export const SPACE_FIELDS = GRID_FIELDS;
export type SpaceField = (typeof SPACE_FIELDS)[number];

/** A parsed, checked space: one domain per field it names (the others take the grid's defaults). */
export type SearchSpace = Partial<Record<SpaceField, Domain>>;

/** A space file is a few hundred bytes; anything near this is not one. */
export const MAX_SPACE_BYTES = 1 << 20;

const DISTRIBUTIONS = ['uniform', 'loguniform', 'int', 'choice'] as const;

/** Which distributions a field may use besides a list, and the range each must lie in. */
const RANGES: Partial<Record<SpaceField, Partial<Record<'uniform' | 'loguniform' | 'int', string>>>> = {
  units: { int: 'integers with 1 ≤ low < high' },
  depth: { int: 'integers with 1 ≤ low < high' },
  batchSize: { int: 'integers with 1 ≤ low < high' },
  epochs: { int: 'integers with 1 ≤ low < high' },
  pool: { int: 'integers with 1 ≤ low < high' },
  dropout: { uniform: '0 ≤ low < high < 1', loguniform: '0 < low < high < 1' },
  learningRate: { uniform: '0 < low < high', loguniform: '0 < low < high' },
};

function rangeHolds(kind: 'uniform' | 'loguniform' | 'int', field: SpaceField, low: number, high: number): boolean {
  if (!(low < high) || !Number.isFinite(low) || !Number.isFinite(high)) return false;
  if (kind === 'int') return Number.isInteger(low) && Number.isInteger(high) && low >= 1;
  if (field === 'dropout') return (kind === 'uniform' ? low >= 0 : low > 0) && high < 1;
  return low > 0;
}

/** Reads a space file (size-checked before reading) and checks every field; errors name the file. */
export function loadSpace(path: string): SearchSpace {
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ConfigError(`--space ${path}: expected a JSON file, but it is not a regular file.`);
    if (stat.size > MAX_SPACE_BYTES) {
      throw new ConfigError(
        `--space ${path}: expected a JSON file of at most ${MAX_SPACE_BYTES} bytes, but it has ${stat.size}.`,
      );
    }
    const bytes = Buffer.alloc(stat.size);
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) break;
      read += n;
    }
    text = bytes.subarray(0, read).toString('utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `--space ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`--space ${path}: not valid JSON (${(error as Error).message}).`);
  }
  try {
    return parseSpace(raw);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`--space ${path}: ${error.message}`);
    throw error;
  }
}

/**
 * Checks a space: every field's form, every range, and every listed value (by expanding the
 * lists as a grid, so a space and a grid accept exactly the same values).
 */
export function parseSpace(raw: unknown): SearchSpace {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(
      `expected a JSON object with a value, a list or a distribution for some of ${SPACE_FIELDS.join(', ')}, but got ${describe(raw)}.`,
    );
  }
  const space: SearchSpace = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(SPACE_FIELDS as readonly string[]).includes(key)) {
      throw new ConfigError(`unknown field ${describe(key)}; expected some of ${SPACE_FIELDS.join(', ')}.`);
    }
    space[key as SpaceField] = parseDomain(key as SpaceField, value);
  }
  checkLayerFields(raw as Record<string, unknown>);
  checkListsAsGrid(space);
  return space;
}

/** The grid's rules for hidden layers, with the values as written (distributions included). */
function checkLayerFields(raw: Record<string, unknown>): void {
  const given = (k: string) => raw[k] !== undefined;
  const units = given('units') ? `units ${describe(raw.units)}` : `depth ${describe(raw.depth)}`;
  if (given('hidden') && (given('units') || given('depth'))) {
    throw new ConfigError(
      `give hidden layers either as "hidden" or as "units" and "depth", not both (got hidden ${describe(raw.hidden)} and ${units}).`,
    );
  }
  if (given('units') !== given('depth'))
    throw new ConfigError(`"units" and "depth" go together, but got only ${units}.`);
}

function parseDomain(field: SpaceField, value: unknown): Domain {
  const isDistribution =
    value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1;
  if (!isDistribution) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      throw new ConfigError(
        `${field}: expected a value, a list, or one of ${DISTRIBUTIONS.map((d) => `{"${d}": ...}`).join(', ')}, but got ${describe(value)}.`,
      );
    }
    // A list, except that a hidden list of numbers or one conv architecture is one value (as in grids).
    const values = fieldOptions(field, value);
    if (values.length === 0) throw new ConfigError(`${field}: expected at least one value, but got an empty list.`);
    return { kind: 'choice', values };
  }
  const [kind, args] = Object.entries(value as Record<string, unknown>)[0]!;
  if (kind === 'choice') {
    if (!Array.isArray(args) || args.length === 0) {
      throw new ConfigError(`${field}: expected {"choice": [a non-empty list of values]}, but got ${describe(value)}.`);
    }
    return { kind: 'choice', values: args };
  }
  if (kind !== 'uniform' && kind !== 'loguniform' && kind !== 'int') {
    throw new ConfigError(
      `${field}: expected one of ${DISTRIBUTIONS.map((d) => `{"${d}": ...}`).join(', ')}, but got ${describe(value)}.`,
    );
  }
  const allowed = RANGES[field] ?? {};
  const range = allowed[kind];
  if (range === undefined) {
    const others = Object.keys(allowed).map((k) => `{"${k}": [low, high]}`);
    throw new ConfigError(
      `${field}: {"${kind}": ...} is not a distribution this field takes; expected a value, a list, {"choice": [...]}${others.length > 0 ? ` or ${others.join(', ')}` : ''}, but got ${describe(value)}.`,
    );
  }
  const pair = Array.isArray(args) && args.length === 2 && args.every((a) => typeof a === 'number');
  if (!pair || !rangeHolds(kind, field, args[0] as number, args[1] as number)) {
    throw new ConfigError(`${field}: expected [low, high] with ${range}, but got ${describe(args)}.`);
  }
  return { kind, low: args[0] as number, high: args[1] as number };
}

/**
 * Checks every listed value with the grid's own rules and messages (`dropout[1]: expected a
 * dropout rate in [0, 1), but got 1.5.`), field by field so that long lists cannot hit the grid's
 * size cap; hidden layers together, so the units/depth/hidden rules apply as in grids.
 */
function checkListsAsGrid(space: SearchSpace): void {
  // A range's ends are values it can draw (or nearly): both must pass the grid's caps.
  const valuesOf = (domain: Domain): unknown[] =>
    domain.kind === 'choice' ? domain.values : domain.kind === 'int' ? [domain.low, domain.high] : [domain.low];
  const layers: Record<string, unknown[]> = {};
  // Pooling is checked with the conv layers it follows.
  const conv: Record<string, unknown[]> = {};
  for (const [field, domain] of Object.entries(space) as [SpaceField, Domain][]) {
    if (field === 'hidden' || field === 'units' || field === 'depth') layers[field] = valuesOf(domain);
    else if (field === 'conv' || field === 'pool') conv[field] = valuesOf(domain);
    else expandGrid({ [field]: valuesOf(domain) }, 0);
  }
  if (Object.keys(layers).length > 0) expandGrid(layers, 0);
  if (Object.keys(conv).length > 0) expandGrid(conv, 0);
}

/** `--search grid` over a space: every field must be a list; the runs are their Cartesian product. */
export function spaceToGrid(space: SearchSpace, seed: number): RunConfig[] {
  const spec: Record<string, unknown[]> = {};
  for (const [field, domain] of Object.entries(space) as [SpaceField, Domain][]) {
    if (domain.kind !== 'choice') {
      throw new ConfigError(
        `${field}: {"${domain.kind}": [${domain.low}, ${domain.high}]} is a distribution, which a grid cannot enumerate; use --search random --trials <n>, or give a list.`,
      );
    }
    spec[field] = domain.values;
  }
  return expandGrid(spec as GridSpec, seed);
}
