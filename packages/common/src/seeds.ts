/*
 * 32-bit seeds and generators, in JavaScript so that the same seed gives the same numbers on every
 * backend, machine and worker thread.
 */

/** mulberry32: a tiny 32-bit generator, plenty for shuffling, dropout masks and initial weights. Returns [0, 2^32). */
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

/** Combines two 32-bit integers into one well-mixed seed (per worker, per step, per layer). */
export function mixSeeds(a: number, b: number): number {
  return fmix32((Math.imul(a >>> 0, 0x9e3779b1) ^ (b >>> 0)) >>> 0);
}

/**
 * The seed of one epoch's shuffle, from the run's seed (any safe integer: seeds above 2^32 stay
 * distinct) and the epoch, so that neighbouring seeds or epochs give unrelated permutations
 * (seeding with seed + epoch would make (1, 2) and (2, 1) equal).
 */
export function epochSeed(seed: number, epoch: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  return fmix32(fmix32(fmix32(lo ^ 0x9e3779b9) ^ hi) ^ Math.imul(epoch + 1, 0x27d4eb2f));
}
