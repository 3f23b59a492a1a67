import { tf, type Tensor } from '../tf.js';
import { SeededRandom } from '../random.js';
import type { CallContext } from '../engine/context.js';
import type { Layer } from '../layers/layer.js';
import { maxAbsDifference } from './compare.js';

/** What is used of a reference layer (a tfjs-layers `tf.layers.*` instance, typed structurally). */
export interface ReferenceLayer {
  apply(inputs: Tensor | Tensor[], kwargs?: Record<string, unknown>): unknown;
  setWeights(weights: Tensor[]): void;
  getWeights(): Tensor[];
}

export interface ParityResult {
  /** Max |ours - reference| over the output. */
  outputDifference: number;
  /** Max |ours - reference| over each weight after the call (batch norm updates its moving statistics). */
  weightDifferences: number[];
}

/**
 * Builds both layers on `inputs`, copies our weights into the reference, runs both in the same
 * mode and compares the outputs and the weights afterwards. Throws when a difference exceeds
 * `tolerance`.
 */
export function compareWithReference(
  ours: Layer,
  reference: ReferenceLayer,
  inputs: Tensor[],
  {
    training = false,
    tolerance = 1e-5,
    context,
  }: { training?: boolean; tolerance?: number; context?: CallContext } = {},
): ParityResult {
  const single = inputs.length === 1 ? inputs[0]! : inputs;
  // Identity layers (linear, inference dropout) return their input: keep it.
  const disposeOutput = (t: unknown) => {
    if (!inputs.includes(t as Tensor)) tf.dispose(t as Tensor);
  };
  disposeOutput(ours.apply(single as Tensor));
  disposeOutput(reference.apply(single));
  const ourWeights = ours.getWeights();
  reference.setWeights(ourWeights);
  tf.dispose(ourWeights);
  const expected = reference.apply(single, { training }) as Tensor;
  const actual = tf.tidy(() => ours.call(inputs, context ?? { training, random: new SeededRandom(0) }).output);
  const result: ParityResult = { outputDifference: maxAbsDifference(actual, expected), weightDifferences: [] };
  const a = ours.getWeights();
  const b = reference.getWeights();
  result.weightDifferences = a.map((w, i) => maxAbsDifference(w, b[i]!));
  disposeOutput(actual);
  disposeOutput(expected);
  tf.dispose(a);
  const what = `${ours.className} ${ours.name} vs reference (${training ? 'training' : 'inference'})`;
  if (!(result.outputDifference <= tolerance))
    throw new Error(`${what}: outputs differ by ${result.outputDifference} > ${tolerance}.`);
  result.weightDifferences.forEach((d, i) => {
    if (!(d <= tolerance))
      throw new Error(`${what}: weight ${ours.weights[i]!.name} differs by ${d} > ${tolerance} after the call.`);
  });
  return result;
}

/**
 * A layer config's keys, sorted, without `dtype`: tfjs-layers leaves dtype out when it was not
 * given, Keras always writes it, so a config matches tfjs's when these equal its sorted keys.
 */
export function configKeysBesidesDtype(config: object): string[] {
  return Object.keys(config)
    .filter((k) => k !== 'dtype')
    .sort();
}
