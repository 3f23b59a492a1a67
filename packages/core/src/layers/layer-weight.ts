import { tf, type Tensor, type Variable } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';

/** One weight of a layer (kernel, bias, gamma, moving mean, ...), held in a tf.Variable. */
export class LayerWeight {
  readonly variable: Variable;
  constructor(
    /** Keras name, e.g. `dense_1/kernel`; also the key in saved weight files. */
    readonly name: string,
    initial: Tensor,
    /** Updated by the optimizer (false for batch norm's moving statistics). */
    readonly trainable: boolean,
  ) {
    this.variable = tf.variable(initial, false);
  }

  get shape(): number[] {
    return this.variable.shape;
  }

  get size(): number {
    return this.variable.size;
  }

  read(): Tensor {
    return this.variable;
  }

  /** Replaces the value in place; the shape must match. */
  write(value: Tensor): void {
    if (!shapesMatch(value.shape, this.variable.shape)) {
      throw new ValueError(
        `Weight ${this.name}: expected shape ${describeValue(this.variable.shape)}, but got ${describeValue(value.shape)}.`,
      );
    }
    this.variable.assign(value.dtype === 'float32' ? value : tf.cast(value, 'float32'));
  }

  dispose(): void {
    this.variable.dispose();
  }
}

function shapesMatch(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
