import { epochSeed, mulberry32 } from './seeds.js';

/**
 * The sample order of one epoch: a permutation of 0..n-1, the same for the same (seed, epoch) on
 * every machine and thread — Fisher–Yates driven by mulberry32 seeded with `epochSeed(seed,
 * epoch)`. `model.fit`, a @fnn/data Dataset and the data-parallel trainer's workers all shuffle
 * with it, so they visit samples in one order. Callers check n, seed and epoch (integers, n < 2^32).
 */
export function seededPermutation(n: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const next = mulberry32(epochSeed(seed, epoch));
  for (let i = n - 1; i > 0; i--) {
    // Multiply-shift maps a 32-bit draw onto [0, i]; its bias is below (i+1)/2^32, negligible here.
    const j = Math.floor((next() * (i + 1)) / 4294967296);
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}
