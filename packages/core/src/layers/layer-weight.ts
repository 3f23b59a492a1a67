import { tf, type Tensor, type Variable } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';

/**
 * The most values one weight may hold: 2^31 - 1 (8 GiB of float32), the largest count a 32-bit
 * index reaches. Checked before anything is allocated, so a huge layer is a clear error rather
 * than V8's "Invalid typed array length" or an allocation failure.
 */
export const MAX_WEIGHT_VALUES = 2 ** 31 - 1;

/** While a model is rebuilt from stored weights: how many values may still be created, and for what. */
interface WeightBudget {
  remaining: number;
  total: number;
  source: string;
}
let activeBudget: WeightBudget | undefined;

/**
 * Runs `build` (synchronous) so that the weights it creates may hold at most `values` values in
 * all, e.g. the values a model file's weights actually hold: a topology that declares more is
 * refused before its first oversized weight is allocated. `source` starts the error message.
 */
export function withWeightBudget<T>(values: number, source: string, build: () => T): T {
  const outer = activeBudget;
  activeBudget = { remaining: values, total: values, source };
  try {
    return build();
  } finally {
    activeBudget = outer;
  }
}

/**
 * Checks a weight's shape before its values are allocated: non-negative integer dimensions, at
 * most MAX_WEIGHT_VALUES values, and within the active budget. Returns the number of values.
 */
export function checkWeightShape(name: string, shape: readonly number[], owner: string): number {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ValueError(
      `${owner}: weight ${name} would have shape ${describeValue(shape)}; expected non-negative integer dimensions.`,
    );
  }
  const values = shape.reduce((n, d) => n * d, 1);
  if (values > MAX_WEIGHT_VALUES) {
    throw new ValueError(
      `${owner}: weight ${name} would have shape ${describeValue(shape)}, ${formatCount(values)} values; a weight holds at most ${formatCount(MAX_WEIGHT_VALUES)} values (2^31 - 1).`,
    );
  }
  if (activeBudget !== undefined) {
    if (values > activeBudget.remaining) {
      const { source, total } = activeBudget;
      throw new ValueError(
        `${source}: ${owner} declares weight ${name} of shape ${describeValue(shape)} (${formatCount(values)} values), but the weights hold only ${formatCount(total)} values in all${total === activeBudget.remaining ? '' : `, ${formatCount(activeBudget.remaining)} of them left for this weight`}; the topology does not match its weights.`,
      );
    }
    activeBudget.remaining -= values;
  }
  return values;
}

/** 225000000 → "225,000,000"; exact for any safe integer and beyond. */
function formatCount(n: number): string {
  return Number.isSafeInteger(n) ? n.toLocaleString('en-US') : n.toExponential(3);
}

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
