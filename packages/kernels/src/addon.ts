import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The functions of the compiled addon (native/addon.cc); arguments are checked by the callers. */
export interface NativeAddon {
  isa(): string;
  gemm(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    aBatchStride: number,
    bBatchStride: number,
    bias: Float32Array | null,
    activation: number,
  ): void;
  binary(
    op: number,
    mode: number,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    outer: number,
    inner: number,
  ): void;
  compare(
    op: number,
    mode: number,
    a: Float32Array,
    b: Float32Array,
    out: Uint8Array,
    outer: number,
    inner: number,
  ): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  select(condition: Uint8Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  sumRows(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  reduceCols(op: number, x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  argmaxCols(x: Float32Array, out: Int32Array, rows: number, cols: number): void;
  transpose(x: Float32Array, out: Float32Array, batch: number, rows: number, cols: number): void;
  weightedSum(out: Float32Array, parts: Float32Array[], weights: number[]): void;
  adam(
    params: Float32Array[],
    grads: Float32Array[],
    m: Float32Array[],
    v: Float32Array[],
    lrT: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ): void;
  sgd(
    params: Float32Array[],
    grads: Float32Array[],
    velocities: Float32Array[] | null,
    lr: number,
    momentum: number,
    nesterov: boolean,
  ): void;
  rmsprop(
    params: Float32Array[],
    grads: Float32Array[],
    meanSquares: Float32Array[],
    moments: Float32Array[] | null,
    lr: number,
    rho: number,
    momentum: number,
    epsilon: number,
  ): void;
  batchNorm(
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    offset: Float32Array | null,
    scale: Float32Array | null,
    epsilon: number,
    out: Float32Array,
    rows: number,
    channels: number,
  ): void;
  batchNormTrain(
    x: Float32Array,
    gamma: Float32Array | null,
    beta: Float32Array | null,
    epsilon: number,
    out: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    invStd: Float32Array,
    rows: number,
    channels: number,
  ): void;
  batchNormBackward(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    invStd: Float32Array,
    gamma: Float32Array | null,
    dx: Float32Array | null,
    dgamma: Float32Array,
    dbeta: Float32Array,
    rows: number,
    channels: number,
  ): void;
  // `shape` is a window geometry as src/kernels/conv-shape.ts writes it; false: tfjs-cpu must run it.
  maxPool(x: Float32Array, out: Float32Array, shape: number[]): void;
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, shape: number[]): void;
  maxPoolArgmax(x: Float32Array, out: Float32Array, argmax: Uint8Array, shape: number[]): void;
  maxPoolGradArgmax(dy: Float32Array, argmax: Uint8Array, dx: Float32Array, shape: number[]): void;
  conv2d(
    x: Float32Array,
    filter: Float32Array,
    bias: Float32Array | null,
    activation: number,
    out: Float32Array,
    shape: number[],
  ): boolean;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, shape: number[]): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dfilter: Float32Array, shape: number[]): boolean;
  dropout(
    x: Float32Array | null,
    y: Float32Array | null,
    mask: Float32Array,
    threshold: number,
    scale: number,
    seed: number,
  ): number;
  conv2dReluBackward(
    x: Float32Array,
    dy: Float32Array,
    y: Float32Array,
    filter: Float32Array,
    dfilter: Float32Array,
    db: Float32Array | null,
    dx: Float32Array | null,
    shape: number[],
  ): boolean;
  /** -1: run the separate kernels; else 1 when the convolution's output held a NaN, 0 if not. */
  conv2dReluMaxPool(
    x: Float32Array,
    filter: Float32Array,
    bias: Float32Array | null,
    out: Float32Array,
    argmax: Uint8Array,
    shape: number[],
    poolShape: number[],
  ): number;
  conv2dReluMaxPoolBackward(
    x: Float32Array,
    dp: Float32Array,
    pooled: Float32Array,
    argmax: Uint8Array,
    filter: Float32Array,
    dfilter: Float32Array,
    db: Float32Array | null,
    dx: Float32Array | null,
    shape: number[],
    poolShape: number[],
  ): boolean;
  reluBackwardBias(
    dy: Float32Array,
    y: Float32Array,
    dz: Float32Array,
    db: Float32Array | null,
    rows: number,
    cout: number,
  ): void;
  denseBackward(
    x: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    w: Float32Array,
    dw: Float32Array,
    db: Float32Array | null,
    dx: Float32Array | null,
    rows: number,
    inDim: number,
    units: number,
    activation: number,
  ): void;
  categoricalCrossentropy(
    t: Float32Array,
    p: Float32Array,
    grad: Float32Array | null,
    rows: number,
    cols: number,
    lo: number,
    hi: number,
    negInvRows: number,
  ): number;
}

// Op codes shared with native/kernels.h.
export const BinaryOp = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, squaredDifference: 6 } as const;
export const CompareOp = { greater: 0, greaterEqual: 1, less: 2, lessEqual: 3, equal: 4, notEqual: 5 } as const;
export const UnaryOp = {
  relu: 0,
  step: 1,
  exp: 2,
  log: 3,
  neg: 4,
  sqrt: 5,
  square: 6,
  sigmoid: 7,
  tanh: 8,
  rsqrt: 9,
  abs: 10,
  reciprocal: 11,
  relu6: 12,
} as const;
export const Broadcast = { same: 0, scalarB: 1, scalarA: 2, rowB: 3, rowA: 4, colB: 5, colA: 6 } as const;
export const Activation = { linear: 0, relu: 1, softmax: 2 } as const;

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The exact commands that build the addon from source for this package's consumers. */
export const REBUILD_HINT =
  'with npm: `npm rebuild @fnn/kernels`; with pnpm: `pnpm approve-builds` (choose @fnn/kernels), then `pnpm rebuild @fnn/kernels`';

let loaded: NativeAddon | undefined;
let failure: string | undefined;

/** Why no addon file could be found: the install script's recorded reason, or how to build one. */
function missingAddonReason(): string {
  const reasonFile = join(packageRoot, 'build', 'unavailable.txt');
  const reason = existsSync(reasonFile)
    ? readFileSync(reasonFile, 'utf8').trim()
    : `no prebuilt addon for ${process.platform}-${process.arch} and none built from source`;
  return `${reason}; to build it from source (needs a C++ compiler, make and python3): ${REBUILD_HINT}`;
}

/**
 * Loads the addon once per thread: one built from source in build/Release when there is one (a
 * checkout), else the prebuilt one shipped in prebuilds/ (node-gyp-build's lookup). Throws with
 * a one-line reason when neither loads.
 */
export function loadAddon(): NativeAddon {
  if (loaded) return loaded;
  if (failure !== undefined) throw new Error(failure);
  try {
    if (process.env.FNN_NATIVE === '0') throw new Error('disabled by FNN_NATIVE=0');
    let file: string;
    try {
      file = (require('node-gyp-build') as { path(dir: string): string }).path(packageRoot);
    } catch {
      throw new Error(missingAddonReason());
    }
    loaded = require(file) as NativeAddon;
    return loaded;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    failure = `native addon not built: ${text.split('\n')[0]}`;
    throw new Error(failure);
  }
}

/** Why the addon cannot be used here, or null when it can. */
export function nativeUnavailableReason(): string | null {
  try {
    loadAddon();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
