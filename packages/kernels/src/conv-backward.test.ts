// FnnConv2DBackward, a Conv2D layer's backward pass in one launch: against the op chain it
// replaces (dz = dy·step(y), the two gradient kernels, the bias sum) on tfjs-cpu within 1e-5 and
// on native bit for bit, on the block-by-block path (valid windows) and the materialised one
// (padding, 1x1 windows), with NaN, infinities and -0 where the chain has them, batch 0 and 1;
// and @fnn/core's Conv2D layer with it against the layer without it, bit for bit.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, type Input, rand, withValues } from '../test-support/compare-with-cpu.js';
import { computeGradients } from '../../core/src/training/index.js';
import * as core from '../../core/src/index.js';
import { initializers, layers, resetNames, SeededRandom, sequential, setBackend } from '../../core/src/index.js';
import { CONV2D_BACKWARD } from './kernels/conv-backward.js';
import { type Geometry, geometries } from '../test-support/conv-geometries.js';
import { registerNativeBackend } from './index.js';

beforeAll(async () => {
  registerNativeBackend();
  await tf.setBackend('native');
});

interface Options {
  activation: 'relu' | 'linear';
  useBias: boolean;
  needsDx: boolean;
}

const outShape = (c: Geometry): number[] =>
  tf.tidy(
    () => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.strides, c.pad as 'same').shape,
  );

/** The op chain core's Conv2D runs without the fused kernel: [dFilter, dBias?, dx?]. */
function chain(c: Geometry, o: Options) {
  return (x?: tf.Tensor, y?: tf.Tensor, dy?: tf.Tensor, f?: tf.Tensor): tf.Tensor[] => {
    const dz = o.activation === 'relu' ? tf.mul(dy!, tf.step(y!)) : dy!;
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
    const outs = [
      tf.engine().runKernel('Conv2DBackpropFilter', { x: x!, dy: dz }, { ...attrs, filterShape: c.f }) as tf.Tensor,
    ];
    if (o.useBias) outs.push(tf.sum(dz, [0, 1, 2]));
    if (o.needsDx)
      outs.push(tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter: f! }, { ...attrs, inputShape: c.x }));
    return outs;
  };
}

function fused(c: Geometry, o: Options) {
  return (x?: tf.Tensor, y?: tf.Tensor, dy?: tf.Tensor, f?: tf.Tensor): tf.Tensor[] => {
    const attrs = { strides: [c.strides, c.strides], pad: c.pad, ...o };
    return tf.engine().runKernel(CONV2D_BACKWARD, { x: x!, y: y!, dy: dy!, filter: f! }, attrs) as tf.Tensor[];
  };
}

const outputCount = (o: Options) => 1 + Number(o.useBias) + Number(o.needsDx);

/** Output k of the fused kernel on native, of the chain elsewhere (tfjs-cpu has no FnnConv2DBackward). */
const either =
  (c: Geometry, o: Options, k: number) =>
  (...xs: tf.Tensor[]) =>
    (tf.getBackend() === 'native' ? fused(c, o) : chain(c, o))(...xs)[k]!;

/** Each output of the fused kernel within 1e-5 of the chain's on tfjs-cpu, and the chain's bits on native. */
function expectChain(c: Geometry, o: Options, values: Input[]): void {
  for (let k = 0; k < outputCount(o); k++) {
    expectClose(either(c, o, k), values);
    const bits = (run: (...xs: tf.Tensor[]) => tf.Tensor[]) => bitsOn('native', (...xs) => run(...xs)[k]!, values);
    expect(bits(fused(c, o)).equals(bits(chain(c, o)))).toBe(true);
  }
}

/** x, a relu output y (a quarter of it exactly 0), dy, filter. */
function inputs(c: Geometry): Input[] {
  const y = rand(outShape(c), -0.3, 1);
  y.values = y.values.map((v) => Math.max(v, 0));
  return [rand(c.x), y, rand(outShape(c)), rand(c.f)];
}

function bitsOn(backend: string, op: (...xs: tf.Tensor[]) => tf.Tensor, values: Input[]): Buffer {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = values.map((v) => tf.tensor(v.values.slice(), v.shape, 'float32'));
    return Buffer.from(Float32Array.from(op(...xs).dataSync()).buffer);
  });
}

const cases = geometries;
const stridedValid = geometries.find((g) => g.pad === 'valid' && g.strides === 2 && g.f[0] === 5)!; // block path
const stridedSame = geometries.find((g) => g.pad === 'same' && g.strides === 2)!; // materialised dz

const optionSets: Options[] = [
  { activation: 'relu', useBias: true, needsDx: true },
  { activation: 'relu', useBias: false, needsDx: false },
  { activation: 'linear', useBias: true, needsDx: true },
];

describe(CONV2D_BACKWARD, () => {
  for (const c of cases) {
    const name = `x ${c.x.join('x')}, filter ${c.f.join('x')}, stride ${c.strides}, pad ${c.pad}`;
    it(`equals the op chain (tfjs-cpu within 1e-5, native bit for bit), ${name}`, () => {
      const values = inputs(c);
      for (const o of optionSets) expectChain(c, o, values);
    });
  }

  it('NaN and infinities in y and dy, and -0 where y is 0, propagate as in the op chain', () => {
    for (const c of [stridedValid, stridedSame]) {
      const [x, y, dy, f] = inputs(c);
      const yBad = withValues(y!, [
        [0, Number.NaN],
        [7, Number.POSITIVE_INFINITY],
        [8, 0],
      ]);
      const dyBad = withValues(dy!, [
        [3, Number.NaN],
        [8, -0.5],
        [40, Number.NEGATIVE_INFINITY],
        [41, Number.POSITIVE_INFINITY],
      ]);
      const values = [x!, yBad, dyBad, f!];
      for (const o of optionSets) expectChain(c, o, values);
    }
  });

  it('writes the gradients into dFilterOut and dBiasOut when given', () => {
    const c = stridedValid;
    const o = { activation: 'relu', useBias: true, needsDx: false } as const;
    tf.setBackend('native');
    const dFilterOut = new Float32Array(c.f.reduce((a, b) => a * b, 1));
    const dBiasOut = new Float32Array(c.f[3]!);
    tf.tidy(() => {
      const [x, y, dy, f] = inputs(c).map((v) => tf.tensor(v.values, v.shape));
      const [dFilter, dBias] = tf.engine().runKernel(
        CONV2D_BACKWARD,
        { x: x!, y: y!, dy: dy!, filter: f! },
        {
          strides: c.strides,
          pad: c.pad,
          ...o,
          dFilterOut,
          dBiasOut,
        },
      ) as tf.Tensor[];
      expect(dFilter!.dataSync()).toEqual(dFilterOut);
      expect(dBias!.dataSync()).toEqual(dBiasOut);
      const [wantFilter, wantBias] = chain(c, o)(x, y, dy, f);
      expect(dFilterOut).toEqual(wantFilter!.dataSync());
      expect(dBiasOut).toEqual(wantBias!.dataSync());
    });
  });

  it('names a bad activation or dy shape', () => {
    tf.setBackend('native');
    const c = stridedValid;
    const [x, y, dy, f] = inputs(c).map((v) => tf.tensor(v.values, v.shape));
    const run = (attrs: Record<string, unknown>, grad = dy!) =>
      tf.engine().runKernel(
        CONV2D_BACKWARD,
        { x: x!, y: y!, dy: grad, filter: f! },
        {
          strides: 2,
          pad: 'valid',
          useBias: true,
          ...attrs,
        },
      );
    expect(() => run({ activation: 'tanh' })).toThrow(
      `${CONV2D_BACKWARD}: expected activation linear or relu, but got tanh.`,
    );
    expect(() => run({ activation: 'relu' }, tf.zeros([2, 4, 4, 3]))).toThrow(
      `${CONV2D_BACKWARD}: expected dy of shape [2, 4, 5, 3], but got [2, 4, 4, 3].`,
    );
    tf.dispose([x!, y!, dy!, f!]);
  });
});

describe("@fnn/core's Conv2D with FnnConv2DBackward", () => {
  let config: KernelConfig;
  beforeAll(async () => {
    await setBackend('native', { quiet: true });
    config = core.tf.getKernel(CONV2D_BACKWARD, 'native')!;
    expect(config).toBeDefined();
  });

  /** One convnet step's loss and gradients, as bits. */
  function step(): number[][] {
    resetNames();
    const seeded = (seed: number) => ({ kernelInitializer: initializers.glorotUniform({ seed }) });
    const model = sequential([
      layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 2], ...seeded(1) }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same', ...seeded(2) }),
      layers.conv2d({ filters: 4, kernelSize: 1, activation: 'tanh', ...seeded(3) }),
      layers.conv2d({ filters: 5, kernelSize: 2, strides: 2, useBias: false, ...seeded(4) }),
      layers.flatten(),
      layers.dense({ units: 3, activation: 'softmax', ...seeded(5) }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    return core.tf.tidy(() => {
      const x = core.tf.tensor4d(
        Float32Array.from({ length: 5 * 288 }, (_, i) => Math.sin(i * 0.37)),
        [5, 12, 12, 2],
      );
      const y = core.tf.cast(core.tf.oneHot(core.tf.tensor1d([0, 2, 1, 1, 0], 'int32'), 3), 'float32');
      const r = computeGradients(model, { inputs: [x], targets: [y] }, { training: true, random: new SeededRandom(7) });
      return [r.loss, ...r.gradients].map((t) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)));
    });
  }

  it('gives the bits of the op chain (relu valid and same, tanh 1x1, linear strided without bias)', async () => {
    let fusedBits: number[][] = [];
    const profile = await core.tf.profile(() => {
      fusedBits = step();
    });
    const names = new Set(profile.kernels.map((k) => k.name));
    expect(names.has(CONV2D_BACKWARD)).toBe(true);
    expect(names.has('Conv2DBackpropFilter')).toBe(false);
    core.tf.unregisterKernel(CONV2D_BACKWARD, 'native');
    try {
      expect(fusedBits).toEqual(step());
    } finally {
      core.tf.registerKernel(config);
    }
  });
});
