import { checkInteger } from './errors.js';

/** mulberry32: a tiny 32-bit PRNG, plenty for shuffling and synthetic data. Returns [0, 2^32). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** murmur3's finaliser: spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * One 32-bit PRNG seed from (seed, epoch), so that neighbouring seeds or epochs give unrelated
 * permutations (seeding with seed + epoch would make (1, 2) and (2, 1) equal).
 */
export function mixSeed(seed: number, epoch: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0; // keep seeds above 2^32 distinct
  return fmix32(fmix32(fmix32(lo ^ 0x9e3779b9) ^ hi) ^ Math.imul(epoch + 1, 0x27d4eb2f));
}

/**
 * A permutation of 0..n-1, the same for the same (seed, epoch) on every machine and thread:
 * Fisher–Yates driven by mulberry32 seeded from mixSeed(seed, epoch).
 */
export function permutation(n: number, seed: number, epoch = 0): Uint32Array {
  checkInteger('n', n, 0, 2 ** 32 - 1);
  checkInteger('seed', seed, Number.MIN_SAFE_INTEGER);
  checkInteger('epoch', epoch, 0);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const next = mulberry32(mixSeed(seed, epoch));
  for (let i = n - 1; i > 0; i--) {
    // Multiply-shift maps a 32-bit draw onto [0, i]; its bias is below (i+1)/2^32, negligible here.
    const j = Math.floor((next() * (i + 1)) / 4294967296);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
