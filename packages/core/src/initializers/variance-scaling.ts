import type { Tensor } from '../tf.js';
import { Initializer, computeFans, randomTensor } from './initializer.js';
import type { SeededRandom } from '../random.js';

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
export type Distribution = 'normal' | 'uniform' | 'truncatedNormal';

export interface VarianceScalingArgs {
  /** Multiplier of the variance. */
  scale?: number;
  mode?: FanMode;
  distribution?: Distribution;
  /** Same seed, bit-identical values. */
  seed?: number;
}

/** Truncated standard normal (values beyond 2 standard deviations are redrawn), as TensorFlow samples it. */
export function truncatedNormal(random: SeededRandom): number {
  for (;;) {
    const value = random.normal();
    if (Math.abs(value) <= 2) return value;
  }
}

/**
 * Keras's VarianceScaling: uniform in ±sqrt(3·scale/n), or a truncated normal with standard
 * deviation sqrt(scale/n)/0.8796 (the correction for truncation at two standard deviations).
 */
export class VarianceScaling extends Initializer {
  readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  readonly seed: number | undefined;

  constructor(args: VarianceScalingArgs = {}) {
    super();
    this.scale = args.scale ?? 1;
    this.mode = args.mode ?? 'fanIn';
    this.distribution = args.distribution ?? 'normal';
    this.seed = args.seed;
  }

  apply(shape: number[]): Tensor {
    const { fanIn, fanOut } = computeFans(shape);
    const n = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, n);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      return randomTensor(shape, this.seed, (random) => random.uniform(-limit, limit));
    }
    const stddev = Math.sqrt(variance) / 0.8796256610342398;
    return randomTensor(shape, this.seed, (random) => stddev * truncatedNormal(random));
  }

  override getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed ?? null };
  }
}

export interface SeedArgs {
  seed?: number;
}

function preset(className: string, scale: number, mode: FanMode, distribution: Distribution) {
  return class extends VarianceScaling {
    override readonly className = className;
    constructor(args: SeedArgs = {}) {
      super({ scale, mode, distribution, seed: args.seed });
    }
    override getConfig(): Record<string, unknown> {
      return { seed: this.seed ?? null };
    }
  };
}

export const GlorotUniform = preset('GlorotUniform', 1, 'fanAvg', 'uniform');
export const GlorotNormal = preset('GlorotNormal', 1, 'fanAvg', 'truncatedNormal');
export const HeNormal = preset('HeNormal', 2, 'fanIn', 'truncatedNormal');
export const HeUniform = preset('HeUniform', 2, 'fanIn', 'uniform');
export const LeCunNormal = preset('LeCunNormal', 1, 'fanIn', 'truncatedNormal');
export const LeCunUniform = preset('LeCunUniform', 1, 'fanIn', 'uniform');
