// NaN and ±Infinity through every kernel a training step runs on 'native', against tfjs-cpu: the
// non-finite values land where tfjs-cpu's (and @fnn/core's op chains on it) put them, the finite
// ones within 1e-5 of the output's scale. A kernel that clamps NaN away (a max instruction in a
// fused relu did) hides a diverged model behind finite losses. The whole file runs again in
// child processes with each narrower instruction set forced (FNN_NATIVE_ISA).
import { describe, expect, it } from 'vitest';
import {
  layers,
  losses,
  metrics,
  setBackend,
  SeededRandom,
  tf,
  type CallContext,
  type Tensor,
} from '../../core/src/index.js';
import { rerunOnEveryIsa } from '../test-support/isa-children.js';
import { Adam, RMSprop, SGD } from '../../core/src/training/optimizers/index.js';
import { fillDropoutMask } from '../../core/src/layers/dropout.js';
import { nativeIsa } from './index.js';

const SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

let seed = 99;
function random(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
}

/** Uniform values in [low, high) with `each` NaN, +Infinity and -Infinity at random places. */
function values(n: number, each = 1, low = -1, high = 1): Float32Array {
  const out = Float32Array.from({ length: n }, () => low + (high - low) * random());
  for (let k = 0; k < each * SPECIALS.length && n > 0; k++) out[Math.floor(random() * n)] = SPECIALS[k % 3]!;
  return out;
}

const finiteValues = (n: number, low = -1, high = 1) => values(n, 0, low, high);

type Run = () => (Tensor | Float32Array | number)[];

/** The outputs of `run` on `backend`, as plain arrays (tensors read and disposed). */
async function outputsOn(backend: 'cpu' | 'native', run: Run): Promise<Float32Array[]> {
  await setBackend(backend, { quiet: true });
  expect(tf.getBackend()).toBe(backend);
  return tf.tidy(() =>
    run().map((o) =>
      typeof o === 'number'
        ? Float32Array.of(o)
        : o instanceof Float32Array
          ? o.slice()
          : Float32Array.from(o.dataSync()),
    ),
  );
}

function describeValue(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

/**
 * Runs `run` on tfjs-cpu and on native and compares every output: each NaN and infinity where
 * tfjs-cpu has it, each finite value within `tolerance` of max(|cpu|, the output's mean |cpu|).
 * The first output must hold both finite and non-finite values (a case that tests something).
 */
async function expectNativeMatchesCpu(run: Run, tolerance = 1e-5): Promise<void> {
  const want = await outputsOn('cpu', run);
  const got = await outputsOn('native', run);
  expect(got.length).toBe(want.length);
  const first = Array.from(want[0]!);
  expect(first.some(Number.isFinite) && first.some((v) => !Number.isFinite(v))).toBe(true);
  want.forEach((w, k) => {
    const g = got[k]!;
    expect(g.length, `output ${k}`).toBe(w.length);
    let scale = 0;
    let finite = 0;
    for (const v of w)
      if (Number.isFinite(v)) {
        scale += Math.abs(v);
        finite++;
      }
    scale = finite ? scale / finite : 0;
    for (let i = 0; i < w.length; i++) {
      const [wi, gi] = [w[i]!, g[i]!];
      const ok = Number.isFinite(wi)
        ? Number.isFinite(gi) && Math.abs(gi - wi) <= tolerance * Math.max(Math.abs(wi), scale, 1e-30)
        : Object.is(Number.isNaN(wi), Number.isNaN(gi)) && (Number.isNaN(wi) || gi === wi);
      if (!ok) throw new Error(`output ${k}, element ${i}: native ${describeValue(gi)}, cpu ${describeValue(wi)}`);
    }
  });
}

const training = (): CallContext => ({ training: true, random: new SeededRandom(5) });

describe(`non-finite values on native (${process.env.FNN_NATIVE_ISA ?? 'widest'} kernels)`, () => {
  it('runs the instruction set it was asked for', async () => {
    await setBackend('native', { quiet: true });
    const forced = process.env.FNN_NATIVE_ISA;
    if (forced) expect([forced, 'portable']).toContain(nativeIsa());
  });

  // Row counts on both sides of the in-place/packed B threshold (256), widths on both sides of
  // every tile width, and K = 0 (the output is the bias alone).
  const shapes: [number, number, number][] = [
    [127, 45, 70],
    [300, 33, 5],
    [9, 17, 20],
    [4, 0, 3],
  ];

  for (const [m, k, n] of shapes) {
    it(`matMul fused with bias and relu or linear, ${m}x${k} · ${k}x${n}, all transposes`, async () => {
      const [a, b, bias] = [values(m * k), values(k * n), values(n, 0)];
      bias[0] = Number.NaN; // K = 0 leaves the bias alone in the output
      if (n > 1) bias[1] = Number.NEGATIVE_INFINITY;
      for (const activation of ['relu', 'linear'] as const)
        for (const [ta, tb] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const)
          await expectNativeMatchesCpu(() => [
            tf.fused.matMul({
              a: tf.tensor2d(a, ta ? [k, m] : [m, k]),
              b: tf.tensor2d(b, tb ? [n, k] : [k, n]),
              bias: tf.tensor1d(bias),
              activation,
              transposeA: ta,
              transposeB: tb,
            }),
          ]);
    });
  }

  it('element-wise kernels, reductions, softmax and batchNorm', async () => {
    const x = values(127 * 33, 40, -8, 8);
    const other = values(127 * 33, 40);
    const t = () => tf.tensor2d(x, [127, 33]);
    const u = () => tf.tensor2d(other, [127, 33]);
    const row = () => tf.tensor1d(other.subarray(0, 33));
    const offset = finiteValues(33);
    const cases: Run[] = [
      () => [tf.relu(t()), tf.relu6(t()), tf.step(t()), tf.step(t(), 0.5)],
      () => [tf.exp(t()), tf.log(t()), tf.sqrt(t()), tf.rsqrt(t()), tf.sigmoid(t()), tf.tanh(t())],
      () => [tf.neg(t()), tf.abs(t()), tf.square(t()), tf.reciprocal(t())],
      () => [tf.maximum(t(), u()), tf.minimum(t(), u()), tf.maximum(t(), 0), tf.minimum(t(), row())],
      () => [tf.add(t(), row()), tf.sub(t(), u()), tf.mul(t(), u()), tf.div(t(), row())],
      () => [tf.squaredDifference(t(), u())],
      () => [tf.sum(t(), -1), tf.sum(t(), 0), tf.mean(t(), -1), tf.mean(t(), 0), tf.max(t(), -1), tf.min(t(), -1)],
      () => [tf.softmax(t())],
      () => [tf.batchNorm(t(), row(), tf.abs(row()), tf.tensor1d(offset), tf.tensor1d(x.subarray(33, 66)), 1e-3)],
    ];
    for (const [i, run] of cases.entries())
      await expectNativeMatchesCpu(run).catch((error: Error) => {
        throw new Error(`case ${i}: ${error.message}`);
      });
    // argMax (int32) and comparisons (bool) as float arrays: NaN never wins, compares false.
    await expectNativeMatchesCpu(() => [
      tf.mul(tf.cast(tf.argMax(t(), -1), 'float32'), tf.max(t(), -1)),
      tf.cast(tf.greater(t(), u()), 'float32'),
      tf.cast(tf.lessEqual(t(), u()), 'float32'),
      tf.cast(tf.equal(t(), u()), 'float32'),
    ]);
  });

  for (const activation of ['relu', 'linear', 'softmax', 'tanh'] as const) {
    it(`Dense (${activation}) forward and backward: FnnDense and FnnDenseBackward against the op chains`, async () => {
      // 40 inputs over 18 rows takes FnnDenseBackward's dxᵀ = w·dzᵀ route, 5 the direct one.
      for (const [rows, inDim, units] of [
        [18, 40, 7],
        [6, 5, 12],
      ] as const) {
        const x = values(rows * inDim);
        // A non-finite kernel entry spoils a whole column, and through softmax every row.
        const kernel = activation === 'softmax' ? finiteValues(inDim * units) : values(inDim * units);
        const bias = finiteValues(units);
        const dy = values(rows * units);
        await expectNativeMatchesCpu(() => {
          const layer = layers.dense({ units, activation });
          layer.apply(tf.zeros([1, inDim]));
          layer.setWeights([tf.tensor2d(kernel, [inDim, units]), tf.tensor1d(bias)]);
          const { output, saved } = layer.call([tf.tensor2d(x, [rows, inDim])], training());
          const grads = layer.backward(tf.tensor2d(dy, [rows, units]), saved, training(), true);
          return [output as Tensor, ...grads.inputs, ...grads.weights];
        });
      }
    });
  }

  it('Dropout (FnnDropout, and the mask with a noiseShape) against x · mask', async () => {
    const x = values(13 * 21, 3);
    const dy = values(13 * 21, 3);
    for (const noiseShape of [undefined, [1, 21]]) {
      await expectNativeMatchesCpu(() => {
        const layer = layers.dropout({ rate: 0.3, ...(noiseShape ? { noiseShape } : {}) });
        const { output, saved } = layer.call([tf.tensor2d(x, [13, 21])], training());
        return [output as Tensor, ...layer.backward(tf.tensor2d(dy, [13, 21]), saved, training(), true).inputs];
      });
    }
    // And the kernel alone against the mask @fnn/core draws.
    const mask = new Float32Array(x.length);
    fillDropoutMask(mask, 0.3, 1234);
    const want = Float32Array.from(x, (v, i) => Math.fround(v * mask[i]!));
    await setBackend('native', { quiet: true });
    const [y, m] = tf.engine().runKernel('FnnDropout', { x: tf.tensor1d(x) }, { rate: 0.3, seed: 1234 }) as Tensor[];
    expect(Array.from(m!.dataSync())).toEqual(Array.from(mask));
    expect(Array.from(y!.dataSync())).toEqual(Array.from(want));
    tf.dispose([y!, m!]);
  });

  it('categorical cross-entropy (value and gradient) and accuracy against the op chains', async () => {
    const rows = 40;
    const yPred = values(rows * 6, 2, 0, 1);
    const yTrue = Float32Array.from({ length: rows * 6 }, (_, i) => (i % 6 === (i / 6) % 5 ? 1 : 0));
    yTrue[7] = Number.NaN;
    // Rows with a non-finite probability get NaN gradients, the others finite ones; the mean loss is NaN.
    await expectNativeMatchesCpu(() => {
      const [t, q] = [tf.tensor2d(yTrue, [rows, 6]), tf.tensor2d(yPred, [rows, 6])];
      const { value, gradient } = losses.categoricalCrossentropy.valueAndGradient(t, q);
      return [gradient, value, metrics.categoricalAccuracy.compute(t, q)];
    });
  });

  it('BatchNormalization in training mode, forward and backward, against the op chain', async () => {
    const [rows, channels] = [24, 9];
    const x = finiteValues(rows * channels, -2, 2);
    // Channel 1 holds a NaN, channel 4 an infinity, channel 6 both infinities.
    x[3 * channels + 1] = Number.NaN;
    x[5 * channels + 4] = Number.POSITIVE_INFINITY;
    x[channels + 6] = Number.POSITIVE_INFINITY;
    x[7 * channels + 6] = Number.NEGATIVE_INFINITY;
    const dy = finiteValues(rows * channels);
    dy[2 * channels + 2] = Number.NaN;
    dy[9 * channels + 3] = Number.NEGATIVE_INFINITY;
    const [gamma, beta] = [finiteValues(channels, 0.5, 2), finiteValues(channels)];
    await expectNativeMatchesCpu(() => {
      const layer = layers.batchNormalization({ momentum: 0.9 });
      layer.apply(tf.zeros([1, channels]));
      layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.zeros([channels]), tf.ones([channels])]);
      const { output, saved } = layer.call([tf.tensor2d(x, [rows, channels])], training());
      const grads = layer.backward(tf.tensor2d(dy, [rows, channels]), saved, training(), true);
      return [
        output as Tensor,
        ...grads.inputs,
        ...grads.weights,
        layer.movingMean!.read(),
        layer.movingVariance!.read(),
      ];
    });
  });

  for (const make of [
    () => new Adam({ learningRate: 0.01 }),
    () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
    () => new SGD({ learningRate: 0.1 }),
    () => new RMSprop({ learningRate: 0.01, momentum: 0.5 }),
  ]) {
    it(`${make().className} updates with non-finite gradients and parameters, for 3 steps`, async () => {
      const size = 37;
      const initial = values(size, 2);
      const grads = [0, 1, 2].map(() => values(size, 2));
      await expectNativeMatchesCpu(() => {
        const optimizer = make();
        const params = initial.slice();
        const slots = optimizer.slotNames.map((name) => new Float32Array(size).fill(optimizer.initialSlotValue(name)));
        grads.forEach((g, step) => {
          optimizer.updateArrays(params, g.slice(), slots, step + 1);
        });
        return [params, ...slots];
      });
    });
  }
});

rerunOnEveryIsa('src/non-finite.test.ts', (isa) => `non-finite values on native (${isa} kernels)`);
