import { tf, type Tensor } from '../tf.js';
import { Initializer } from './initializer.js';

export class Zeros extends Initializer {
  readonly className = 'Zeros';
  apply(shape: number[]): Tensor {
    return tf.zeros(shape, 'float32');
  }
}

export class Ones extends Initializer {
  readonly className = 'Ones';
  apply(shape: number[]): Tensor {
    return tf.ones(shape, 'float32');
  }
}

export class Constant extends Initializer {
  readonly className = 'Constant';
  readonly value: number;
  constructor(args: { value: number }) {
    super();
    this.value = args.value;
  }
  apply(shape: number[]): Tensor {
    return tf.fill(shape, this.value, 'float32');
  }
  override getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}
