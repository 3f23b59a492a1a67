import type { Tensor } from '../tf.js';
import { Initializer, randomTensor } from './initializer.js';
import { truncatedNormal } from './variance-scaling.js';

export interface RandomNormalArgs {
  mean?: number;
  stddev?: number;
  seed?: number;
}

/** Keras defaults: mean 0, stddev 0.05. */
export class RandomNormal extends Initializer {
  readonly className: string = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;
  readonly seed: number | undefined;
  constructor(args: RandomNormalArgs = {}) {
    super();
    this.mean = args.mean ?? 0;
    this.stddev = args.stddev ?? 0.05;
    this.seed = args.seed;
  }
  apply(shape: number[]): Tensor {
    return randomTensor(shape, this.seed, (random) => this.mean + this.stddev * random.normal());
  }
  override getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed ?? null };
  }
}

export class TruncatedNormal extends RandomNormal {
  override readonly className = 'TruncatedNormal';
  override apply(shape: number[]): Tensor {
    return randomTensor(shape, this.seed, (random) => this.mean + this.stddev * truncatedNormal(random));
  }
}

export interface RandomUniformArgs {
  minval?: number;
  maxval?: number;
  seed?: number;
}

/** Keras defaults: [-0.05, 0.05). */
export class RandomUniform extends Initializer {
  readonly className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  readonly seed: number | undefined;
  constructor(args: RandomUniformArgs = {}) {
    super();
    this.minval = args.minval ?? -0.05;
    this.maxval = args.maxval ?? 0.05;
    this.seed = args.seed;
  }
  apply(shape: number[]): Tensor {
    return randomTensor(shape, this.seed, (random) => random.uniform(this.minval, this.maxval));
  }
  override getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed ?? null };
  }
}
