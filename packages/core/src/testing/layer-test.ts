// A shared layer test, like Keras's `run_layer_test`: one call checks what every layer must get
// right (shapes, weights, config round trip, gradients against finite differences), so each
// layer's test only adds what is particular to it.
import { tf, type Tensor } from '../tf.js';
import { formatShape, shapesEqual, type Shape } from '../shape.js';
import { SeededRandom } from '../random.js';
import type { CallContext } from '../engine/context.js';
import { input } from '../layers/input-layer.js';
import type { Layer } from '../layers/layer.js';
import { randomNormalTensor } from './compare.js';

export interface GradientCheckOptions {
  /** Central-difference step. Default 1e-3. */
  epsilon?: number;
  /** Relative tolerance. Default 1e-2. */
  rtol?: number;
  /** Absolute tolerance. Default 1e-3. */
  atol?: number;
  /** Entries checked per tensor (a seeded sample when the tensor is larger). Default 40. */
  maxChecks?: number;
}

export interface LayerTestArgs {
  /** Makes a fresh, unbuilt layer. */
  make: () => Layer;
  /** Concrete input shapes, batch axis included (one per input). */
  inputShapes: number[][];
  /** The symbolic output shape expected, batch axis `null`. */
  expectedOutputShape?: Shape;
  /** Shapes of all weights, in `weights` order (trainable first). */
  expectedWeightShapes?: number[][];
  /** How many of those are trainable. */
  expectedTrainableWeights?: number;
  /** Context of each forward pass; called anew each time so seeded masks repeat. Default training, seed 1. */
  context?: () => CallContext;
  /**
   * Trainable weights are overwritten with seeded N(0, 0.5²) values after building, so the test
   * does not depend on unseeded initializers; true keeps the initializers' values.
   */
  keepInitialWeights?: boolean;
  /** Input values; default seeded standard normal. */
  makeInputs?: (shapes: number[][]) => Tensor[];
  /** Finite-difference check of `backward` for inputs and trainable weights; false skips it. */
  gradientCheck?: GradientCheckOptions | false;
  /**
   * Also compare `backward` with tfjs's autodiff of `call` (needs gradients registered, i.e.
   * `@tensorflow/tfjs` imported) at this relative tolerance.
   */
  autodiffTolerance?: number;
  seed?: number;
}

export interface LayerTestReport {
  layer: Layer;
  outputShape: Shape;
  /** Entries compared by the finite-difference check. */
  gradientEntriesChecked: number;
  /** Worst |numeric - analytic| / max(|numeric|, |analytic|, atol/rtol) seen. */
  worstGradientError: number;
}

export class LayerTestError extends Error {
  override name = 'LayerTestError';
}

/** Runs the shared checks; throws a LayerTestError describing the first failure. */
export function runLayerTest(args: LayerTestArgs): LayerTestReport {
  const seed = args.seed ?? 1;
  const layer = args.make();
  const what = `${layer.className} ${layer.name}`;
  const fail = (message: string): never => {
    throw new LayerTestError(`${what}: ${message}`);
  };

  // Symbolic application: builds the layer; the output shape must agree with computeOutputShape.
  const symbolicInputs = args.inputShapes.map((s) => input({ batchShape: [null, ...s.slice(1)] }));
  const symbolicOutput = layer.apply(symbolicInputs.length === 1 ? symbolicInputs[0]! : symbolicInputs);
  const computed = layer.computeOutputShape(symbolicInputs.map((t) => t.shape));
  if (!shapesEqual(symbolicOutput.shape, computed))
    fail(`apply() gave shape ${formatShape(symbolicOutput.shape)}, computeOutputShape ${formatShape(computed)}.`);
  if (args.expectedOutputShape && !shapesEqual(symbolicOutput.shape, args.expectedOutputShape)) {
    fail(
      `expected output shape ${formatShape(args.expectedOutputShape)}, but got ${formatShape(symbolicOutput.shape)}.`,
    );
  }

  // Weights.
  if (!args.keepInitialWeights) {
    layer.trainableWeights.forEach((w, i) => {
      const value = randomNormalTensor(w.shape, seed * 104729 + i, 0.5);
      w.write(value);
      value.dispose();
    });
  }
  if (args.expectedWeightShapes) {
    const shapes = layer.weights.map((w) => w.shape);
    if (JSON.stringify(shapes) !== JSON.stringify(args.expectedWeightShapes)) {
      fail(`expected weight shapes ${JSON.stringify(args.expectedWeightShapes)}, but got ${JSON.stringify(shapes)}.`);
    }
  }
  if (args.expectedTrainableWeights !== undefined && layer.trainableWeights.length !== args.expectedTrainableWeights) {
    fail(`expected ${args.expectedTrainableWeights} trainable weights, but got ${layer.trainableWeights.length}.`);
  }

  // Config round trip through JSON and the constructor.
  const config = JSON.parse(JSON.stringify(layer.getConfig())) as Record<string, unknown>;
  const Cls = layer.constructor as new (config: Record<string, unknown>) => Layer;
  const copy = new Cls(config);
  const again = JSON.stringify(sortKeys(copy.getConfig()));
  if (again !== JSON.stringify(sortKeys(config)))
    fail(`config does not round-trip:\n  ${JSON.stringify(sortKeys(config))}\n  ${again}`);
  copy.dispose();

  // Concrete forward: the shape must match the symbolic one.
  const context = args.context ?? (() => ({ training: true, random: new SeededRandom(seed) }));
  const inputs = args.makeInputs
    ? args.makeInputs(args.inputShapes)
    : args.inputShapes.map((s, i) => randomNormalTensor(s, seed * 7919 + i));
  const outputShape = tf.tidy(() => layer.call(inputs, context()).output.shape);
  const expectedConcrete = computed.map((d, i) => (i === 0 ? args.inputShapes[0]![0]! : d));
  if (!shapesEqual(outputShape, expectedConcrete))
    fail(`call() gave shape ${formatShape(outputShape)}, expected ${formatShape(expectedConcrete)}.`);

  const report: LayerTestReport = {
    layer,
    outputShape: symbolicOutput.shape,
    gradientEntriesChecked: 0,
    worstGradientError: 0,
  };
  if (args.gradientCheck !== false) {
    const projection = randomNormalTensor(outputShape, seed * 31 + 5);
    const probe = { layer, inputs, projection, context, fail };
    Object.assign(report, checkGradients(probe, args.gradientCheck ?? {}, seed));
    if (args.autodiffTolerance !== undefined) checkAgainstAutodiff(probe, args.autodiffTolerance);
    projection.dispose();
  }
  tf.dispose(inputs);
  return report;
}

/** A layer, its inputs and the projection R of L = sum(output * R), as the gradient checks probe them. */
interface GradientProbe {
  layer: Layer;
  inputs: Tensor[];
  projection: Tensor;
  context: () => CallContext;
  fail: (message: string) => never;
}

/** Analytic gradients of L = sum(output * R): `backward(R)` for the inputs and the trainable weights. */
function analyticGradients({ layer, inputs, projection, context }: GradientProbe): Float32Array[] {
  return tf.tidy(() => {
    const ctx = context();
    const { saved } = layer.call(inputs, ctx);
    const g = layer.backward(projection, saved, ctx, true);
    return [...g.inputs, ...g.weights].map((t) => t.dataSync() as Float32Array);
  });
}

function checkGradients(
  probe: GradientProbe,
  options: GradientCheckOptions,
  seed: number,
): { gradientEntriesChecked: number; worstGradientError: number } {
  const { layer, inputs, projection, context, fail } = probe;
  const { epsilon = 1e-3, rtol = 1e-2, atol = 1e-3, maxChecks = 40 } = options;
  const r = projection.dataSync();
  const weights = layer.ownTrainableWeights;
  const analytic = analyticGradients(probe);
  if (analytic.length !== inputs.length + weights.length) {
    fail(
      `backward returned ${analytic.length} gradients, expected ${inputs.length} inputs + ${weights.length} trainable weights.`,
    );
  }
  // The loss in float64 from the float32 outputs.
  const loss = (xs: Tensor[]): number => {
    const y = tf.tidy(() => layer.call(xs, context()).output.dataSync());
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i]! * r[i]!;
    return sum;
  };
  const targets: { name: string; values: Float32Array; shape: number[]; evaluate: (values: Float32Array) => number }[] =
    [
      ...inputs.map((x, k) => ({
        name: `input ${k}`,
        values: x.dataSync() as Float32Array,
        shape: x.shape,
        evaluate: (values: Float32Array) => {
          const t = tf.tensor(values, x.shape, 'float32');
          const value = loss(inputs.map((other, j) => (j === k ? t : other)));
          t.dispose();
          return value;
        },
      })),
      ...weights.map((w) => ({
        name: `weight ${w.name}`,
        values: w.read().dataSync() as Float32Array,
        shape: w.shape,
        evaluate: (values: Float32Array) => {
          const original = tf.clone(w.read());
          const t = tf.tensor(values, w.shape, 'float32');
          w.write(t);
          const value = loss(inputs);
          w.write(original);
          tf.dispose([t, original]);
          return value;
        },
      })),
    ];
  const random = new SeededRandom(seed + 101);
  let checked = 0;
  let worst = 0;
  const failures: string[] = [];
  targets.forEach((target, t) => {
    const grad = analytic[t]!;
    if (grad.length !== target.values.length)
      fail(`gradient of ${target.name} has ${grad.length} entries, expected ${target.values.length}.`);
    const indices =
      target.values.length <= maxChecks ? [...target.values.keys()] : sample(target.values.length, maxChecks, random);
    for (const i of indices) {
      const plus = Float32Array.from(target.values);
      const minus = Float32Array.from(target.values);
      plus[i] = target.values[i]! + epsilon;
      minus[i] = target.values[i]! - epsilon;
      const numeric = (target.evaluate(plus) - target.evaluate(minus)) / (plus[i]! - minus[i]!);
      const a = grad[i]!;
      const error = Math.abs(numeric - a) / Math.max(Math.abs(numeric), Math.abs(a), atol / rtol);
      worst = Math.max(worst, Number.isNaN(error) ? Infinity : error);
      if (!(Math.abs(numeric - a) <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(a)))) {
        failures.push(
          `${target.name}[${i}]: finite difference ${numeric.toPrecision(6)}, backward ${a.toPrecision(6)}`,
        );
      }
      checked++;
    }
  });
  if (failures.length > 0) {
    fail(
      `${failures.length} of ${checked} gradient entries differ from finite differences (eps ${epsilon}, rtol ${rtol}, atol ${atol}):\n  ${failures.slice(0, 8).join('\n  ')}`,
    );
  }
  return { gradientEntriesChecked: checked, worstGradientError: worst };
}

/** Compares `backward` with tfjs's tape-based gradients of the same `call`. */
function checkAgainstAutodiff(probe: GradientProbe, tolerance: number): void {
  const { layer, inputs, projection, context, fail } = probe;
  const analytic = analyticGradients(probe);
  const variables = layer.ownTrainableWeights.map((w) => w.variable);
  const wasTrainable = variables.map((v) => v.trainable);
  variables.forEach((v) => {
    v.trainable = true;
  });
  try {
    const reference = tf.tidy(() => {
      const f = (...xs: Tensor[]) => tf.sum(tf.mul(layer.call(xs, context()).output, projection)) as tf.Scalar;
      const inputGrads = tf.grads(f)(inputs);
      const weightGrads = variables.length === 0 ? {} : tf.variableGrads(() => f(...inputs), variables).grads;
      return [...inputGrads, ...variables.map((v) => weightGrads[v.name]!)].map((t) => t.dataSync() as Float32Array);
    });
    reference.forEach((ref, k) => {
      const ours = analytic[k]!;
      let scale = 1e-6;
      let diff = 0;
      for (let i = 0; i < ref.length; i++) {
        scale = Math.max(scale, Math.abs(ref[i]!));
        diff = Math.max(diff, Math.abs(ref[i]! - ours[i]!));
      }
      if (!(diff <= tolerance * scale))
        fail(`gradient ${k} differs from tfjs autodiff: max |diff| ${diff} > ${tolerance} × max |grad| ${scale}.`);
    });
  } finally {
    variables.forEach((v, i) => {
      v.trainable = wasTrainable[i]!;
    });
  }
}

function sample(size: number, count: number, random: SeededRandom): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(random.nextUint32() % size);
  return [...picked].sort((a, b) => a - b);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
