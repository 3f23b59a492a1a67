// Every native kernel against tfjs-cpu's on the same random inputs: within 1e-5 of the output's
// scale (float32 sums in a different order), on awkward shapes, and bit-identical when repeated.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { bools, expectClose, type Op, rand } from '../test-support/compare-with-cpu.js';
import { nativeKernelNames, registerNativeBackend } from './index.js';

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

describe('batch norm', () => {
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
});
