// Convolution and max pooling on native against tfjs-cpu: forward (plain and fused with bias and
// an activation), input and filter gradients, pooling and its gradient, on awkward geometries
// (odd sizes, same/valid padding, strides 1-2, 1x1 and 5x5 windows, dilation, batch 0 and 1,
// shapes spanning several of the kernels' cache blocks), with NaN and infinities where tfjs-cpu
// puts them, bit-identical on repeat.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, type Input, rand, withValues, runOn } from '../test-support/compare-with-cpu.js';
// @ts-expect-error: a plain .mjs module shared with the worker script (no types)
import { convKernelInputs, runConvKernels } from '../test-support/conv-kernels.mjs';
import * as core from '../../core/src/index.js';
import { type BackendName, initializers, layers, resetNames, sequential, setBackend } from '../../core/src/index.js';
import { type Geometry, geometries, type Pad } from '../test-support/conv-geometries.js';
import { registerNativeBackend } from './index.js';

beforeAll(() => {
  registerNativeBackend();
});

const conv2d = (g: Geometry) => (x?: tf.Tensor, f?: tf.Tensor) =>
  tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, g.strides, g.pad, 'NHWC', g.dilations ?? 1);

const backpropAttrs = (g: Geometry) => ({ strides: g.strides, pad: g.pad, dataFormat: 'NHWC' });

const backpropInput = (g: Geometry) => (dy?: tf.Tensor, f?: tf.Tensor) =>
  tf
    .engine()
    .runKernel('Conv2DBackpropInput', { dy: dy!, filter: f! }, { ...backpropAttrs(g), inputShape: g.x }) as tf.Tensor;

const backpropFilter = (g: Geometry) => (x?: tf.Tensor, dy?: tf.Tensor) =>
  tf
    .engine()
    .runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! }, { ...backpropAttrs(g), filterShape: g.f }) as tf.Tensor;

/** The output shape tfjs-cpu gives the forward convolution. */
const outShape = (g: Geometry) => runOn('cpu', conv2d(g), [rand(g.x), rand(g.f)]).shape;

describe('convolution', () => {
  for (const g of geometries) {
    const name = `x ${g.x.join('x')}, filter ${g.f.join('x')}, stride ${g.strides}, pad ${g.pad}`;
    it(`conv2d, fused conv2d and both gradients, ${name}`, () => {
      expectClose(conv2d(g), [rand(g.x), rand(g.f)]);
      for (const activation of ['relu', 'linear', 'sigmoid'] as const) {
        const fused = (x?: tf.Tensor, f?: tf.Tensor, bias?: tf.Tensor) =>
          tf.fused.conv2d({
            x: x as tf.Tensor4D,
            filter: f as tf.Tensor4D,
            strides: g.strides,
            pad: g.pad,
            bias,
            activation,
          });
        expectClose(fused, [rand(g.x), rand(g.f), rand([g.f[3]!])]);
      }
      const dyShape = outShape(g);
      expectClose(backpropInput(g), [rand(dyShape), rand(g.f)]);
      expectClose(backpropFilter(g), [rand(g.x), rand(dyShape)]);
    });
  }

  it('conv2d with dilation 2 and with a scalar bias', () => {
    const g: Geometry = { x: [1, 9, 9, 2], f: [3, 3, 2, 3], strides: 1, pad: 'valid', dilations: 2 };
    expectClose(conv2d(g), [rand(g.x), rand(g.f)]);
    const fused = (x?: tf.Tensor, f?: tf.Tensor, bias?: tf.Tensor) =>
      tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: f as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        bias,
        activation: 'relu',
      });
    expectClose(fused, [rand([2, 6, 5, 3]), rand([3, 3, 3, 4]), rand([1])]);
  });

  const padded: Geometry = { x: [1, 6, 6, 2], f: [3, 3, 2, 3], strides: 1, pad: 'same' };
  it('NaN and infinities in x propagate as on tfjs-cpu (forward, fused relu, filter gradient)', () => {
    const x = withValues(rand(padded.x), [
      [0, Number.NaN],
      [15, Number.POSITIVE_INFINITY],
      [71, Number.NEGATIVE_INFINITY],
    ]);
    expectClose(conv2d(padded), [x, rand(padded.f)]);
    const fused = (xs?: tf.Tensor, f?: tf.Tensor, bias?: tf.Tensor) =>
      tf.fused.conv2d({
        x: xs as tf.Tensor4D,
        filter: f as tf.Tensor4D,
        pad: 'same',
        strides: 1,
        bias,
        activation: 'relu',
      });
    expectClose(fused, [x, rand(padded.f), rand([3])]);
    expectClose(backpropFilter(padded), [x, rand(outShape(padded))]);
  });

  it('NaN and infinities in the filter or dy stay out of padded taps, as tfjs-cpu skips them', () => {
    const f = withValues(rand(padded.f), [
      [0, Number.POSITIVE_INFINITY],
      [17, Number.NaN],
    ]);
    expectClose(conv2d(padded), [rand(padded.x), f]);
    expectClose(backpropInput(padded), [rand(outShape(padded)), f]);
    const dy = withValues(rand(outShape(padded)), [
      [0, Number.NaN],
      [40, Number.NEGATIVE_INFINITY],
    ]);
    expectClose(backpropFilter(padded), [rand(padded.x), dy]);
    expectClose(backpropInput(padded), [dy, rand(padded.f)]);
  });
});

describe('max pooling', () => {
  const cases: [number[], number, number, Pad][] = [
    [[2, 8, 8, 3], 2, 2, 'valid'],
    [[1, 7, 5, 4], 3, 2, 'same'],
    [[2, 4, 4, 1], 2, 1, 'same'],
    [[3, 11, 11, 64], 2, 2, 'valid'],
    [[2, 26, 26, 32], 2, 2, 'valid'],
    [[1, 9, 7, 17], 3, 3, 'same'],
    [[1, 5, 5, 3], 1, 1, 'valid'],
    [[0, 4, 4, 2], 2, 2, 'valid'],
  ];
  const pool = (size: number, strides: number, pad: Pad) => (x?: tf.Tensor) =>
    tf.maxPool(x as tf.Tensor4D, size, strides, pad as 'same');
  const grad = (size: number, strides: number, pad: Pad) => (dy?: tf.Tensor, x?: tf.Tensor, y?: tf.Tensor) =>
    tf
      .engine()
      .runKernel('MaxPoolGrad', { dy: dy!, input: x!, output: y! }, { filterSize: size, strides, pad }) as tf.Tensor;

  function expectPoolClose(x: Input, size: number, strides: number, pad: Pad): void {
    expectClose(pool(size, strides, pad), [x]);
    const y = runOn('cpu', pool(size, strides, pad), [x]);
    expectClose(grad(size, strides, pad), [rand(y.shape), x, { shape: y.shape, values: y.values as Float32Array }]);
  }

  for (const [shape, size, strides, pad] of cases) {
    it(`maxPool and its gradient, x ${shape.join('x')}, window ${size}, stride ${strides}, ${pad}`, () => {
      expectPoolClose(rand(shape), size, strides, pad);
    });
  }

  it('ties go to the first maximum in scan order, as on tfjs-cpu', () => {
    const x = { shape: [1, 4, 4, 2], values: Float32Array.from({ length: 32 }, (_, i) => Math.floor(i / 8)) };
    expectPoolClose(x, 2, 2, 'valid');
    expectPoolClose(x, 3, 1, 'same');
  });

  it('NaN never wins a window, a window of only NaN and -Infinity gets no gradient, as on tfjs-cpu', () => {
    // Channel 0: NaN first then finite values; channel 1: only NaN and -Infinity in the first window.
    const x = withValues(rand([1, 4, 4, 2]), [
      [0, Number.NaN],
      [1, Number.NaN],
      [3, Number.NEGATIVE_INFINITY],
      [9, Number.NEGATIVE_INFINITY],
      [11, Number.NaN],
      [20, Number.POSITIVE_INFINITY],
    ]);
    for (const [size, strides, pad] of [
      [2, 2, 'valid'],
      [3, 1, 'same'],
      [1, 1, 'valid'],
    ] as const) {
      expectPoolClose(x, size, strides, pad);
    }
    const dy = withValues(rand([1, 2, 2, 2]), [[2, Number.NaN]]);
    const y = runOn('cpu', pool(2, 2, 'valid'), [x]);
    expectClose(grad(2, 2, 'valid'), [dy, x, { shape: y.shape, values: y.values as Float32Array }]);
  });
});

describe("max pooling through the forward pass's argmax record", () => {
  // Inputs made by a native kernel (x · 1): MaxPool records each window's argmax for them when
  // windows do not overlap, and MaxPoolGrad scatters dy through it for that output and input.
  const cases: [number[], number, number, Pad][] = [
    [[2, 26, 26, 32], 2, 2, 'valid'],
    [[3, 11, 11, 64], 2, 2, 'valid'],
    [[2, 10, 9, 17], 3, 3, 'same'],
    [[2, 11, 10, 5], 2, 3, 'valid'],
  ];
  const attrs = (size: number, strides: number, pad: Pad) => ({ filterSize: size, strides, pad });

  /** [pooled, its gradient] on the active backend, the input made by a kernel, as one buffer of bits. */
  function poolAndGrad(x: Input, dy: Input, [size, strides, pad]: [number, number, Pad]): Buffer {
    return tf.tidy(() => {
      const input = tf.mul(tf.tensor(x.values.slice(), x.shape), tf.scalar(1));
      const y = tf.maxPool(input as tf.Tensor4D, size, strides, pad as 'same');
      const grad = tf.tensor(dy.values.slice(), y.shape);
      const dx = tf.engine().runKernel('MaxPoolGrad', { dy: grad, input, output: y }, attrs(size, strides, pad));
      return Buffer.concat([y, dx as tf.Tensor].map((t) => Buffer.from(Float32Array.from(t.dataSync()).buffer)));
    });
  }

  for (const [shape, size, strides, pad] of cases) {
    it(`gives tfjs-cpu's bits, x ${shape.join('x')}, window ${size}, stride ${strides}, ${pad}`, () => {
      // NaN, infinities and ties in the first windows.
      const x = withValues(rand(shape), [
        [0, Number.NaN],
        [1, Number.NEGATIVE_INFINITY],
        [shape[3]!, Number.POSITIVE_INFINITY],
        [shape[3]! + 1, Number.NaN],
        [shape[2]! * shape[3]!, 0.5],
        [shape[2]! * shape[3]! + shape[3]!, 0.5],
      ]);
      const outShape = runOn('cpu', (t) => tf.maxPool(t as tf.Tensor4D, size, strides, pad as 'same'), [x]).shape;
      const dy = rand(outShape);
      tf.setBackend('cpu');
      const want = poolAndGrad(x, dy, [size, strides, pad]);
      tf.setBackend('native');
      expect(poolAndGrad(x, dy, [size, strides, pad]).equals(want)).toBe(true);
    });
  }

  it('ignores a record made from another input or another output, as tfjs-cpu ignores the output', () => {
    const x = rand([2, 8, 8, 32]);
    const other = rand([2, 8, 8, 32]);
    const run = () =>
      tf.tidy(() => {
        const [a, b] = [x, other].map((v) => tf.mul(tf.tensor(v.values.slice(), v.shape), tf.scalar(1)));
        const [ya, yb] = [a!, b!].map((t) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'));
        const dy = tf.ones(ya!.shape);
        const grad = (input: tf.Tensor, output: tf.Tensor) =>
          tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, attrs(2, 2, 'valid')) as tf.Tensor;
        return Buffer.concat(
          [grad(a!, yb!), grad(b!, ya!)].map((t) => Buffer.from(Float32Array.from(t.dataSync()).buffer)),
        );
      });
    tf.setBackend('cpu');
    const want = run();
    tf.setBackend('native');
    expect(run().equals(want)).toBe(true);
  });
});

describe('the Keras MNIST convnet layers', () => {
  it("a scaled-down convnet's fit through @fnn/core on native matches tfjs-cpu within 1e-5", async () => {
    const train = async (backend: BackendName) => {
      await setBackend(backend, { quiet: true });
      resetNames();
      const seeded = (seed: number) => ({ kernelInitializer: initializers.glorotUniform({ seed }) });
      const model = sequential([
        layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1], ...seeded(1) }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same', ...seeded(2) }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.flatten(),
        layers.dropout({ rate: 0.5, seed: 3 }),
        layers.dense({ units: 10, activation: 'softmax', ...seeded(4) }),
      ]);
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      const n = 48;
      const x = core.tf.tensor4d(
        Float32Array.from({ length: n * 144 }, (_, i) => Math.abs(Math.sin(i * 0.37))),
        [n, 12, 12, 1],
      );
      const y = core.tf.oneHot(
        core.tf.tensor1d(
          Int32Array.from({ length: n }, (_, i) => (i * 7) % 10),
          'int32',
        ),
        10,
      );
      await model.fit(x, core.tf.cast(y, 'float32'), { epochs: 2, batchSize: 16, seed: 5, verbose: 0 });
      return model.weights.map((w) => Float32Array.from(w.read().dataSync()));
    };
    const cpu = await train('cpu');
    const native = await train('native');
    cpu.forEach((want, k) => {
      for (let i = 0; i < want.length; i++) {
        const allowed = 1e-5 * Math.max(1, Math.abs(want[i]!));
        if (!(Math.abs(native[k]![i]! - want[i]!) <= allowed))
          throw new Error(`weight ${k}[${i}]: native ${native[k]![i]}, cpu ${want[i]}`);
      }
    });
  });

  it('two worker threads give the bits of the main thread (fused conv, pooling, both gradients)', async () => {
    expect(existsSync(new URL('../dist/index.js', import.meta.url)), 'build @fnn/kernels (tsc) before this test').toBe(
      true,
    );
    const inputs = convKernelInputs();
    const run = () =>
      new Promise<{ backend: string; results: Float32Array[] }>((resolve, reject) => {
        const worker = new Worker(new URL('../test-support/worker-conv.mjs', import.meta.url), { workerData: inputs });
        worker.once('message', (message) => {
          resolve(message);
          void worker.terminate();
        });
        worker.once('error', reject);
      });
    const workers = await Promise.all([run(), run()]);
    tf.setBackend('native');
    const main = runConvKernels(tf, inputs);
    for (const { backend, results } of workers) {
      expect(backend).toBe('native');
      expect(results.length).toBe(main.length);
      const same = results.map((values, i) => Buffer.from(values.buffer).equals(Buffer.from(main[i]!.buffer)));
      expect(same).toEqual(main.map(() => true));
    }
  });

  for (const isa of ['avx2', 'portable']) {
    it(`the ${isa} build computes them within 1e-5 of tfjs-cpu too`, () => {
      const script = fileURLToPath(new URL('../test-support/isa-conv-check.mjs', import.meta.url));
      const run = spawnSync(process.execPath, [script], {
        env: { ...process.env, FNN_NATIVE_ISA: isa },
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as { isa: string; worst: number };
      expect([isa, 'portable']).toContain(result.isa); // no avx2 on this CPU: portable runs
      expect(result.worst).toBeLessThan(1e-5);
    });
  }
});
