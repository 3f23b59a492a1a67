import { mixSeeds, mulberry32 } from '@fnn/common';

export { mixSeeds };

/**
 * A small seedable generator (mulberry32) used for initial weights, dropout masks and
 * shuffling. It runs in JavaScript so the same seed gives bit-identical numbers on every
 * backend and in every worker thread.
 */
export class SeededRandom {
  private readonly nextWord: () => number;
  private spareNormal: number | null = null;

  constructor(seed: number = randomSeed()) {
    this.nextWord = mulberry32(seed);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    return this.nextWord();
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Derives an independent generator, e.g. one per worker or per epoch. */
  fork(salt: number): SeededRandom {
    return new SeededRandom(mixSeeds(this.nextUint32(), salt));
  }
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0;
}
