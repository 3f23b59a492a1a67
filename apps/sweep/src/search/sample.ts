import { mixSeed, mulberry32 } from '@fnn/data';
import { expandGrid } from '../grid.js';
import type { RunConfig } from '../run-config.js';
import { SPACE_FIELDS, type Domain, type SearchSpace } from './space.js';

/** A uniform draw in [0, 1) with 53 random bits, from a 32-bit generator. */
export function unitStream(seed: number): () => number {
  const next = mulberry32(seed);
  return () => (next() * 2 ** 21 + (next() >>> 11)) / 2 ** 53;
}

/** One value of a domain from a uniform draw u in [0, 1). */
export function drawFrom(domain: Domain, u: number): unknown {
  switch (domain.kind) {
    case 'choice':
      return domain.values[Math.floor(u * domain.values.length)];
    case 'uniform':
      return domain.low + u * (domain.high - domain.low);
    case 'loguniform':
      return Math.exp(Math.log(domain.low) + u * (Math.log(domain.high) - Math.log(domain.low)));
    case 'int':
      return domain.low + Math.floor(u * (domain.high - domain.low + 1));
  }
}

/**
 * `count` configurations drawn independently from the space. Each field has its own stream
 * (seeded from `seed` and the field), so changing one field's domain leaves the others' draws
 * as they were; the same seed gives the same trials on every machine. Trials are named
 * `t01`, `t02`, ... in draw order; `runSeed` seeds their weights, shuffling and dropout.
 */
export function sampleTrials(space: SearchSpace, count: number, seed: number, runSeed: number): RunConfig[] {
  const streams = new Map(SPACE_FIELDS.map((field, i) => [field, unitStream(mixSeed(seed, i))]));
  const width = String(count).length;
  return Array.from({ length: count }, (_, t) => {
    const values: Record<string, unknown[]> = {};
    for (const field of SPACE_FIELDS) {
      const domain = space[field];
      if (domain) values[field] = [drawFrom(domain, streams.get(field)!())];
    }
    // The grid's expansion fills the defaults and builds hidden layers from units × depth.
    const [config] = expandGrid(values, runSeed);
    const id = `t${String(t + 1).padStart(Math.max(2, width), '0')}`;
    return { ...config!, id, configId: id };
  });
}

/** One line per trial for --dry-run: the values that were drawn. */
export function describeTrial(config: RunConfig): string {
  const hidden = config.hidden.length > 0 ? config.hidden.join('-') : 'none';
  return [
    `hidden ${hidden}`,
    `dropout ${round(config.dropout)}`,
    config.batchNorm ? 'bn' : 'no bn',
    config.activation,
    `${config.optimizer} lr ${round(config.learningRate)}`,
    `batch ${config.batchSize}`,
    `${config.epochs} epochs`,
  ].join(', ');
}

function round(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
