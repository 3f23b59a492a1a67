import { tf, type Tensor } from '../tf.js';
import { SeededRandom } from '../random.js';

/** Creates a layer's initial weight values. Seeded initializers give bit-identical values. */
export abstract class Initializer {
  /** The tfjs-layers / Keras class name used in serialized configs. */
  abstract readonly className: string;
  abstract apply(shape: number[]): Tensor;
  getConfig(): Record<string, unknown> {
    return {};
  }
}

/** Fills a Float32Array of the shape's size from a seeded generator; one place for all random initializers. */
export function randomTensor(
  shape: number[],
  seed: number | undefined,
  sample: (random: SeededRandom) => number,
): Tensor {
  const random = new SeededRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = sample(random);
  return tf.tensor(values, shape, 'float32');
}

/** fanIn/fanOut as Keras computes them: dense [in, out]; conv [kh, kw, in, out] times the receptive field. */
export function computeFans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const receptiveField = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2]! * receptiveField, fanOut: shape[shape.length - 1]! * receptiveField };
}
