import { checkInteger, DataError } from './errors.js';
import { describeValue } from '@fnn/common';

/**
 * One-hot encodes class indices: row i of the result (n × numClasses, row-major) is 1 at
 * labels[i] and 0 elsewhere.
 */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  checkInteger('numClasses', numClasses, 1);
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new DataError(`Expected labels to be an array of class indices, but got ${describeValue(labels)}.`);
  }
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new DataError(
        `Expected labels[${i}] to be an integer class index in [0, ${numClasses - 1}], but got ${describeValue(label)}.`,
      );
    }
    out[i * numClasses + label] = 1;
  }
  return out;
}
