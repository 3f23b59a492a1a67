import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { formatShape } from '../shape.js';
import { FUSED, hasFused, runFused } from '../engine/fused.js';

/** Keras 2's fuzz factor: probabilities are clipped to [EPSILON, 1 - EPSILON] before the log. */
export const EPSILON = 1e-7;

/**
 * A loss with its derivative beside it. Layers have hand-written backward passes, so a loss
 * returns both the batch mean and its gradient with respect to the model's output.
 */
export interface Loss {
  /** The Keras name (`categorical_crossentropy`). */
  readonly name: string;
  /** Mean over the batch of the per-sample loss: a scalar. */
  value(yTrue: Tensor, yPred: Tensor): Tensor;
  /** The same scalar and d(value)/d(yPred). */
  valueAndGradient(yTrue: Tensor, yPred: Tensor): { value: Tensor; gradient: Tensor };
  /**
   * Checks the targets of a whole data set against the model's output shape (`[null, ...]`)
   * before training. Throws a ValueError naming what is wrong.
   */
  checkTargets(yTrue: Tensor, outputShape: (number | null)[], owner: string): void;
}

/**
 * Clips to [EPSILON, 1 - EPSILON] keeping NaN (tfjs-wasm's ClipByValue turns NaN into the lower
 * bound, which would hide a diverged model behind a finite loss).
 */
function clipProbabilities(p: Tensor): Tensor {
  return tf.minimum(tf.maximum(p, EPSILON), 1 - EPSILON);
}

/** Keras's categorical cross-entropy on probabilities: rows normalised to sum 1, then clipped. */
function crossentropyParts(yPred: Tensor) {
  const sum = tf.sum(yPred, -1, true);
  const q = tf.div(yPred, sum);
  const clipped = clipProbabilities(q);
  return { sum, q, clipped };
}

/** The fused kernel's [value, gradient?] when the backend has it and the operands suit it, else null. */
function fusedCrossentropy(yTrue: Tensor, yPred: Tensor, gradient: boolean): Tensor[] | null {
  if (yPred.dtype !== 'float32' || yTrue.dtype !== 'float32' || yPred.rank === 0) return null;
  if (!tf.util.arraysEqual(yTrue.shape, yPred.shape) || !hasFused(FUSED.categoricalCrossentropy)) return null;
  return runFused(FUSED.categoricalCrossentropy, { yTrue, yPred }, { epsilon: EPSILON, gradient });
}

const categoricalCrossentropy: Loss = {
  name: 'categorical_crossentropy',
  value(yTrue, yPred) {
    const fused = fusedCrossentropy(yTrue, yPred, false);
    if (fused) return fused[0]!;
    const { clipped } = crossentropyParts(yPred);
    return tf.mul(tf.sum(tf.mul(yTrue, tf.log(clipped))), -1 / batchOf(yPred));
  },
  valueAndGradient(yTrue, yPred) {
    const fused = fusedCrossentropy(yTrue, yPred, true);
    if (fused) return { value: fused[0]!, gradient: fused[1]! };
    const { sum, q, clipped } = crossentropyParts(yPred);
    const n = batchOf(yPred);
    const value = tf.mul(tf.sum(tf.mul(yTrue, tf.log(clipped))), -1 / n);
    // d/dq = -t/q where q is inside the clip range (the clip passes no gradient outside it),
    // then through q = p / sum(p): dp = (dq - sum(dq * q)) / sum(p).
    const dq = tf.mul(tf.div(yTrue, clipped), tf.mul(tf.cast(tf.equal(q, clipped), 'float32'), -1 / n));
    const gradient = tf.div(tf.sub(dq, tf.sum(tf.mul(dq, q), -1, true)), sum);
    return { value, gradient };
  },
  checkTargets(yTrue, outputShape, owner) {
    checkSameShape(yTrue, outputShape, owner, {
      loss: this.name,
      what: 'one-hot labels',
      hint: '; for class indices use sparse_categorical_crossentropy',
    });
    const values = yTrue.dataSync();
    const classes = yTrue.shape[yTrue.rank - 1]!;
    for (let row = 0; row < values.length / classes; row++) {
      let total = 0;
      let valid = true;
      for (let c = 0; c < classes; c++) {
        const v = values[row * classes + c]!;
        if (!(v >= 0 && v <= 1)) valid = false;
        total += v;
      }
      if (!valid || Math.abs(total - 1) > 1e-3) {
        const shown = Array.from(values.subarray(row * classes, (row + 1) * classes));
        throw new ValueError(
          `${owner}: ${this.name} expects one-hot (or probability) label rows that sum to 1, but row ${row} of the targets is ${describeValue(shown)}.`,
        );
      }
    }
  },
};

const sparseCategoricalCrossentropy: Loss = {
  name: 'sparse_categorical_crossentropy',
  value(yTrue, yPred) {
    return categoricalCrossentropy.value(oneHotOf(yTrue, yPred), yPred);
  },
  valueAndGradient(yTrue, yPred) {
    return categoricalCrossentropy.valueAndGradient(oneHotOf(yTrue, yPred), yPred);
  },
  checkTargets(yTrue, outputShape, owner) {
    const samples = yTrue.shape[0]!;
    if (!(yTrue.rank === 1 || (yTrue.rank === 2 && yTrue.shape[1] === 1))) {
      throw new ValueError(
        `${owner}: ${this.name} expects class indices of shape (${samples},) or (${samples}, 1), but got targets of shape ${formatShape(yTrue.shape)}.`,
      );
    }
    const classes = outputShape[outputShape.length - 1]!;
    const values = yTrue.dataSync();
    const bad = values.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= classes);
    if (bad >= 0) {
      throw new ValueError(
        `${owner}: ${this.name} expects integer class indices in [0, ${classes - 1}], but target ${bad} is ${values[bad]}.`,
      );
    }
  },
};

const binaryCrossentropy: Loss = {
  name: 'binary_crossentropy',
  value(yTrue, yPred) {
    const p = clipProbabilities(yPred);
    const perElement = tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))));
    return tf.mul(tf.sum(perElement), -1 / yPred.size);
  },
  valueAndGradient(yTrue, yPred) {
    const p = clipProbabilities(yPred);
    const oneMinusP = tf.sub(1, p);
    const perElement = tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(oneMinusP)));
    const value = tf.mul(tf.sum(perElement), -1 / yPred.size);
    // d/dp [-(t log p + (1 - t) log(1 - p))] = (p - t) / (p (1 - p)), zero outside the clip range.
    const inside = tf.cast(tf.equal(yPred, p), 'float32');
    const gradient = tf.mul(tf.div(tf.sub(p, yTrue), tf.mul(p, oneMinusP)), tf.mul(inside, 1 / yPred.size));
    return { value, gradient };
  },
  checkTargets(yTrue, outputShape, owner) {
    checkSameShape(yTrue, outputShape, owner, { loss: this.name, what: 'labels in [0, 1]' });
    const values = yTrue.dataSync();
    const bad = values.findIndex((v) => !(v >= 0 && v <= 1));
    if (bad >= 0)
      throw new ValueError(
        `${owner}: ${this.name} expects labels in [0, 1], but target value ${bad} is ${values[bad]}.`,
      );
  },
};

const meanSquaredError: Loss = {
  name: 'mean_squared_error',
  value(yTrue, yPred) {
    return tf.mul(tf.sum(tf.square(tf.sub(yPred, yTrue))), 1 / yPred.size);
  },
  valueAndGradient(yTrue, yPred) {
    const diff = tf.sub(yPred, yTrue);
    return { value: tf.mul(tf.sum(tf.square(diff)), 1 / yPred.size), gradient: tf.mul(diff, 2 / yPred.size) };
  },
  checkTargets(yTrue, outputShape, owner) {
    checkSameShape(yTrue, outputShape, owner, { loss: this.name, what: 'targets' });
  },
};

function batchOf(t: Tensor): number {
  return t.size / t.shape[t.rank - 1]!;
}

function oneHotOf(yTrue: Tensor, yPred: Tensor): Tensor {
  const classes = yPred.shape[yPred.rank - 1]!;
  const indices = yTrue.dtype === 'int32' ? yTrue : tf.cast(yTrue, 'int32');
  // int32 then cast: tfjs-wasm's OneHot writes integer bits when asked for float32 directly.
  return tf.cast(tf.oneHot(tf.reshape(indices, [-1]), classes), 'float32');
}

/** What a loss expects of its targets, as its shape error says it: `what` (e.g. 'one-hot labels'), and a hint. */
interface TargetExpectation {
  loss: string;
  what: string;
  hint?: string;
}

function checkSameShape(
  yTrue: Tensor,
  outputShape: (number | null)[],
  owner: string,
  { loss, what, hint = '' }: TargetExpectation,
): void {
  const expected = [yTrue.shape[0]!, ...outputShape.slice(1)];
  const matches = yTrue.rank === expected.length && expected.every((d, i) => d === null || d === yTrue.shape[i]);
  if (!matches) {
    throw new ValueError(
      `${owner}: ${loss} expects ${what} of shape ${formatShape(expected)} (the model's output), but got targets of shape ${formatShape(yTrue.shape)}${hint}.`,
    );
  }
}

const LOSSES: Record<string, Loss> = {
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  meanSquaredError,
};
const ALIASES: Record<string, string> = { mse: 'meanSquaredError', MSE: 'meanSquaredError' };

/** Every accepted loss name: tfjs's camelCase, Keras's snake_case, and `mse`. */
export const LOSS_NAMES = [
  ...Object.keys(LOSSES),
  ...Object.values(LOSSES).map((l) => l.name),
  ...Object.keys(ALIASES),
];

export type LossIdentifier = string | Loss;

/** Looks a loss up by name (camelCase or snake_case), or returns a `Loss` object as given. */
export function getLoss(identifier: LossIdentifier, owner = 'compile'): Loss {
  if (typeof identifier === 'object' && identifier !== null && typeof identifier.valueAndGradient === 'function')
    return identifier;
  if (typeof identifier === 'string') {
    const camel = ALIASES[identifier] ?? identifier.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const found = LOSSES[camel];
    if (found) return found;
  }
  throw new ValueError(
    `${owner}: unknown loss ${describeValue(identifier)}; expected one of ${LOSS_NAMES.join(', ')} (or a Loss object with value and valueAndGradient).`,
  );
}

/** The loss objects, as `tf.losses`-style values for direct use. */
export const losses = { categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy, meanSquaredError };
