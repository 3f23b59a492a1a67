// Every native kernel against tfjs-cpu's on the same random inputs: within 1e-5 of the output's
// scale (float32 sums in a different order), on awkward shapes, and bit-identical when repeated.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeKernelNames, registerNativeBackend } from './index.js';

type Input = { shape: number[]; values: Float32Array | Uint8Array; dtype?: 'float32' | 'bool' };

let seed = 12345;
function random(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
}

function rand(shape: number[], low = -1, high = 1): Input {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: size }, () => low + (high - low) * random()) };
}

function bools(shape: number[]): Input {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Uint8Array.from({ length: size }, () => (random() < 0.5 ? 1 : 0)), dtype: 'bool' };
}

type Op = (...xs: tf.Tensor[]) => tf.Tensor;

function runOn(
  backend: string,
  op: Op,
  inputs: Input[],
): { values: Float32Array | Int32Array | Uint8Array; shape: number[]; dtype: string } {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((x) => tf.tensor(x.values.slice(), x.shape, x.dtype ?? 'float32'));
    const y = op(...xs);
    return { values: y.dataSync().slice() as Float32Array, shape: y.shape, dtype: y.dtype };
  });
}

/** |native - cpu| <= 1e-5 * max(|cpu|, mean |cpu|): relative, with the output's scale as floor. */
function expectClose(op: Op, inputs: Input[], tolerance = 1e-5): void {
  const want = runOn('cpu', op, inputs);
  const got = runOn('native', op, inputs);
  const again = runOn('native', op, inputs);
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  expect(Buffer.from(again.values.buffer).equals(Buffer.from(got.values.buffer))).toBe(true);
  let scale = 0;
  for (const v of want.values) if (!Number.isNaN(v)) scale += Math.abs(v);
  scale = want.values.length ? scale / want.values.length : 0;
  for (let i = 0; i < want.values.length; i++) {
    const w = want.values[i]!;
    const g = got.values[i]!;
    if (Number.isNaN(w)) {
      expect(g).toBeNaN();
      continue;
    }
    const allowed = tolerance * Math.max(Math.abs(w), scale, 1e-30);
    if (!(Math.abs(g - w) <= allowed)) {
      throw new Error(`element ${i}: native ${g}, cpu ${w} (allowed difference ${allowed})`);
    }
  }
}

beforeAll(() => {
  registerNativeBackend();
});

describe('backend', () => {
  it('registers every tfjs-cpu kernel for native and replaces the hot ones', () => {
    const cpu = new Set(tf.getKernelsForBackend('cpu').map((k) => k.kernelName));
    const native = new Set(tf.getKernelsForBackend('native').map((k) => k.kernelName));
    expect([...cpu].filter((k) => !native.has(k))).toEqual([]);
    for (const name of [
      'BatchMatMul',
      '_FusedMatMul',
      'Relu',
      'Step',
      'Multiply',
      'Sum',
      'Softmax',
      'Transpose',
      'Conv2D',
    ]) {
      expect(nativeKernelNames()).toContain(name);
    }
  });
});

describe('matMul', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[1, 1], [1, 1], false, false],
    [[127, 3], [3, 5], false, false],
    [[3, 127], [3, 17], true, false],
    [[127, 33], [19, 33], false, true],
    [[33, 17], [65, 33], true, true],
    [[128, 784], [784, 250], false, false],
    [[128, 784], [128, 250], true, false],
    [[128, 250], [784, 250], false, true],
    [[250, 128], [784, 250], true, true],
    [[0, 5], [5, 3], false, false],
    [[4, 0], [0, 3], false, false],
    [[2, 3, 4], [2, 4, 5], false, false],
    [[2, 3, 4], [4, 5], false, false],
    [[4, 3], [2, 5, 4], true, true],
  ];
  for (const [a, b, ta, tb] of cases) {
    it(`${a.join('x')} · ${b.join('x')}${ta ? ' transposeA' : ''}${tb ? ' transposeB' : ''}`, () => {
      expectClose((x, y) => tf.matMul(x!, y!, ta, tb), [rand(a), rand(b)]);
    });
  }

  for (const activation of ['linear', 'relu', 'elu', 'sigmoid'] as const) {
    it(`fused with bias and ${activation}, 127x45 · 45x70, all transposes`, () => {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        const a = rand(ta ? [45, 127] : [127, 45]);
        const b = rand(tb ? [70, 45] : [45, 70]);
        expectClose(
          (x, y, bias) => tf.fused.matMul({ a: x!, b: y!, bias: bias!, activation, transposeA: ta, transposeB: tb }),
          [a, b, rand([70])],
        );
      }
    });
  }

  it('fused with a full-shape bias (added by the native Add kernel)', () => {
    expectClose(
      (x, y, bias) => tf.fused.matMul({ a: x!, b: y!, bias: bias!, activation: 'relu' }),
      [rand([9, 4]), rand([4, 6]), rand([9, 6])],
    );
  });
});

describe('element-wise', () => {
  const binary: [string, Op][] = [
    ['add', (a, b) => tf.add(a!, b!)],
    ['sub', (a, b) => tf.sub(a!, b!)],
    ['mul', (a, b) => tf.mul(a!, b!)],
    ['div', (a, b) => tf.div(a!, b!)],
    ['maximum', (a, b) => tf.maximum(a!, b!)],
    ['minimum', (a, b) => tf.minimum(a!, b!)],
    ['squaredDifference', (a, b) => tf.squaredDifference(a!, b!)],
  ];
  const shapes: [number[], number[]][] = [
    [
      [127, 3],
      [127, 3],
    ],
    [[127, 3], [1]],
    [[1], [127, 3]],
    [[127, 33], [33]],
    [[33], [127, 33]],
    [
      [127, 33],
      [127, 1],
    ],
    [
      [127, 1],
      [127, 33],
    ],
    [
      [4, 1, 5],
      [4, 3, 5],
    ],
    [[0, 5], [5]],
    [
      [1, 1],
      [1, 1],
    ],
  ];
  for (const [name, op] of binary) {
    it(`${name} with each broadcast`, () => {
      for (const [a, b] of shapes) expectClose(op, [rand(a, 0.5, 2), rand(b, 0.5, 2)]);
    });
  }

  it('comparisons and where', () => {
    const ops: Op[] = [
      (a, b) => tf.greater(a!, b!),
      (a, b) => tf.greaterEqual(a!, b!),
      (a, b) => tf.less(a!, b!),
      (a, b) => tf.lessEqual(a!, b!),
      (a, b) => tf.equal(a!, b!),
      (a, b) => tf.notEqual(a!, b!),
    ];
    for (const op of ops) {
      for (const [a, b] of shapes.slice(0, 7)) expectClose(op, [rand(a), rand(b)]);
      expectClose(op, [rand([5]), { shape: [5], values: new Float32Array(5) }]);
    }
    expectClose((c, a, b) => tf.where(c! as tf.Tensor, a!, b!), [bools([127, 3]), rand([127, 3]), rand([127, 3])]);
  });

  const unary: [string, Op, number, number][] = [
    ['relu', (x) => tf.relu(x!), -1, 1],
    ['relu6', (x) => tf.relu6(x!), -8, 8],
    ['step', (x) => tf.step(x!), -1, 1],
    ['step(alpha)', (x) => tf.step(x!, 0.25), -1, 1],
    ['exp', (x) => tf.exp(x!), -5, 5],
    ['log', (x) => tf.log(x!), 0.01, 10],
    ['neg', (x) => tf.neg(x!), -1, 1],
    ['sqrt', (x) => tf.sqrt(x!), 0, 10],
    ['square', (x) => tf.square(x!), -3, 3],
    ['sigmoid', (x) => tf.sigmoid(x!), -8, 8],
    ['tanh', (x) => tf.tanh(x!), -4, 4],
    ['rsqrt', (x) => tf.rsqrt(x!), 0.01, 10],
    ['abs', (x) => tf.abs(x!), -1, 1],
    ['reciprocal', (x) => tf.reciprocal(x!), 0.1, 3],
  ];
  for (const [name, op, low, high] of unary) {
    it(name, () => {
      for (const shape of [[1, 1], [127, 3], [17], [0, 4]]) expectClose(op, [rand(shape, low, high)]);
    });
  }

  it('relu and step keep NaN as tfjs does', () => {
    const x = { shape: [3], values: Float32Array.of(NaN, -1, 2) };
    expectClose((t) => tf.relu(t!), [x]);
    expectClose((t) => tf.step(t!), [x]);
  });
});

describe('reductions, softmax, transpose', () => {
  it('sum, mean, max, min over leading, trailing and all axes (and middle ones via tfjs-cpu)', () => {
    const axes: (number | number[])[] = [0, 1, -1, [0, 1]];
    for (const shape of [
      [127, 3],
      [1, 1],
      [3, 127],
      [64, 100],
    ]) {
      for (const axis of axes) {
        for (const keepDims of [false, true]) {
          expectClose((x) => tf.sum(x!, axis, keepDims), [rand(shape)]);
          expectClose((x) => tf.mean(x!, axis, keepDims), [rand(shape)]);
          expectClose((x) => tf.max(x!, axis, keepDims), [rand(shape)]);
          expectClose((x) => tf.min(x!, axis, keepDims), [rand(shape)]);
        }
      }
    }
    for (const axis of [[0, 1], [1, 2], [1], [0, 2]]) expectClose((x) => tf.sum(x!, axis), [rand([4, 5, 6])]);
    expectClose((x) => tf.sum(x!, 0), [rand([0, 5])]);
    expectClose((x) => tf.sum(x!), [rand([0])]);
  });

  it('argMax over the last axis', () => {
    for (const shape of [
      [127, 10],
      [1, 1],
      [3, 4, 5],
    ])
      expectClose((x) => tf.argMax(x!, -1), [rand(shape)]);
    expectClose((x) => tf.argMax(x!, 0), [rand([7, 3])]);
  });

  it('softmax over the last axis', () => {
    for (const shape of [[127, 10], [1, 1], [3, 4, 33], [5]])
      expectClose((x) => tf.softmax(x!), [rand(shape, -10, 10)]);
  });

  it('transposes that swap two blocks of axes, and others through tfjs-cpu', () => {
    const cases: [number[], number[]][] = [
      [
        [127, 3],
        [1, 0],
      ],
      [
        [1, 1],
        [1, 0],
      ],
      [
        [0, 4],
        [1, 0],
      ],
      [
        [130, 70],
        [1, 0],
      ],
      [
        [2, 3, 4],
        [0, 2, 1],
      ],
      [
        [2, 3, 4, 5],
        [0, 3, 1, 2],
      ],
      [
        [2, 3, 4, 5],
        [0, 2, 3, 1],
      ],
      [
        [2, 3, 4],
        [1, 0, 2],
      ],
      [
        [2, 3, 4],
        [2, 1, 0],
      ],
    ];
    for (const [shape, perm] of cases) expectClose((x) => tf.transpose(x!, perm), [rand(shape)]);
  });
});

describe('batch norm, convolution, pooling', () => {
  it('batchNorm with per-channel and scalar parameters', () => {
    const c = 33;
    expectClose(
      (...t) => tf.batchNorm(t[0]!, t[1]!, t[2]!, t[3], t[4], 1e-3),
      [rand([127, c]), rand([c]), rand([c], 0.1, 2), rand([c]), rand([c])],
    );
    expectClose(
      (x, m, v) => tf.batchNorm(x!, m!, v!, undefined, undefined, 1e-5),
      [rand([5, 4, c]), rand([c]), rand([c], 0.1, 2)],
    );
    expectClose(
      (...t) => tf.batchNorm(t[0]!, t[1]!, t[2]!, t[3], t[4]),
      [rand([9, 3]), rand([1]), rand([1], 0.1, 2), rand([3]), rand([1])],
    );
  });

  const geometries: { x: number[]; f: number[]; strides: number; pad: 'same' | 'valid' }[] = [
    { x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { x: [2, 9, 7, 3], f: [3, 2, 3, 5], strides: 2, pad: 'same' },
    { x: [1, 8, 8, 1], f: [5, 5, 1, 2], strides: 1, pad: 'valid' },
    { x: [3, 5, 5, 2], f: [1, 1, 2, 3], strides: 1, pad: 'valid' },
  ];
  for (const g of geometries) {
    it(`conv2d and its gradients, x ${g.x.join('x')}, filter ${g.f.join('x')}, stride ${g.strides}, ${g.pad}`, () => {
      expectClose((x, f) => tf.conv2d(x! as tf.Tensor4D, f! as tf.Tensor4D, g.strides, g.pad), [rand(g.x), rand(g.f)]);
      for (const activation of ['relu', 'linear', 'sigmoid'] as const) {
        expectClose(
          (x, f, bias) =>
            tf.fused.conv2d({
              x: x! as tf.Tensor4D,
              filter: f! as tf.Tensor4D,
              strides: g.strides,
              pad: g.pad,
              bias: bias!,
              activation,
            }),
          [rand(g.x), rand(g.f), rand([g.f[3]!])],
        );
      }
      const outShape = runOn('cpu', (x, f) => tf.conv2d(x! as tf.Tensor4D, f! as tf.Tensor4D, g.strides, g.pad), [
        rand(g.x),
        rand(g.f),
      ]).shape;
      const attrs = { strides: g.strides, pad: g.pad, dataFormat: 'NHWC' };
      expectClose(
        (dy, f) =>
          tf
            .engine()
            .runKernel('Conv2DBackpropInput', { dy: dy!, filter: f! }, { ...attrs, inputShape: g.x }) as tf.Tensor,
        [rand(outShape), rand(g.f)],
      );
      expectClose(
        (x, dy) =>
          tf
            .engine()
            .runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! }, { ...attrs, filterShape: g.f }) as tf.Tensor,
        [rand(g.x), rand(outShape)],
      );
    });
  }

  it('maxPool and its gradient', () => {
    for (const [shape, size, strides, pad] of [
      [[2, 8, 8, 3], 2, 2, 'valid'],
      [[1, 7, 5, 4], 3, 2, 'same'],
      [[2, 4, 4, 1], 2, 1, 'same'],
    ] as const) {
      const input = rand([...shape]);
      expectClose((x) => tf.maxPool(x! as tf.Tensor4D, size, strides, pad), [input]);
      const y = runOn('cpu', (x) => tf.maxPool(x! as tf.Tensor4D, size, strides, pad), [input]);
      const attrs = { filterSize: size, strides, pad };
      expectClose(
        (dy, x, out) => tf.engine().runKernel('MaxPoolGrad', { dy: dy!, input: x!, output: out! }, attrs) as tf.Tensor,
        [rand(y.shape), input, { shape: y.shape, values: y.values as Float32Array }],
      );
    }
  });
});
