import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { expectShape, floatValues, nativeOnly, output, type KernelArgs } from './util.js';

/*
 * A classifier's loss and accuracy, one kernel launch each instead of ~17 and 5 small ops,
 * bit-identical to @fnn/core's op chains (which run where these are not registered).
 */
export const CATEGORICAL_CROSSENTROPY = 'FnnCategoricalCrossentropy';
export const CATEGORICAL_ACCURACY = 'FnnCategoricalAccuracy';

/**
 * Keras categorical cross-entropy of probabilities yPred against yTrue (same shape, classes on
 * the last axis), clipped to [epsilon, 1 - epsilon]: [mean loss, d(loss)/d(yPred) if attrs.gradient].
 */
function categoricalCrossentropy({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo[] {
  const { yTrue, yPred } = inputs;
  expectShape(yTrue!, yPred!.shape, CATEGORICAL_CROSSENTROPY, 'yTrue');
  const p = floatValues(backend, yPred!, CATEGORICAL_CROSSENTROPY, 'yPred');
  const cols = yPred!.shape[yPred!.shape.length - 1] ?? 1;
  const rows = cols === 0 ? 0 : p.length / cols;
  const epsilon = Number(attrs?.epsilon);
  const gradient = attrs?.gradient ? takeFloat32(p.length) : null;
  const loss = addon.categoricalCrossentropy(
    floatValues(backend, yTrue!, CATEGORICAL_CROSSENTROPY, 'yTrue'),
    p,
    gradient,
    rows,
    cols,
    epsilon,
    1 - epsilon,
    -1 / rows,
  );
  const outs = [output(backend, [], Float32Array.of(loss))];
  if (gradient) outs.push(output(backend, [...yPred!.shape], gradient));
  return outs;
}

/** The share of rows whose largest yPred is where yTrue's largest is (first index on ties), as a scalar. */
function categoricalAccuracy({ inputs, backend }: KernelArgs): TensorInfo {
  const { yTrue, yPred } = inputs;
  expectShape(yTrue!, yPred!.shape, CATEGORICAL_ACCURACY, 'yTrue');
  const t = floatValues(backend, yTrue!, CATEGORICAL_ACCURACY, 'yTrue');
  const p = floatValues(backend, yPred!, CATEGORICAL_ACCURACY, 'yPred');
  const cols = yPred!.shape[yPred!.shape.length - 1] ?? 1;
  const rows = cols === 0 ? 0 : p.length / cols;
  let hits = 0;
  for (let r = 0; r < rows; r++) if (argMax(t, r * cols, cols) === argMax(p, r * cols, cols)) hits++;
  return output(backend, [], Float32Array.of(hits / rows));
}

/** Like the ArgMax kernel: the first index of the maximum (NaN never wins). */
function argMax(values: Float32Array, start: number, cols: number): number {
  let best = 0;
  let max = values[start]!;
  for (let j = 1; j < cols; j++) {
    if (values[start + j]! > max) {
      max = values[start + j]!;
      best = j;
    }
  }
  return best;
}

export const crossentropyKernels = [
  nativeOnly(CATEGORICAL_CROSSENTROPY, categoricalCrossentropy),
  nativeOnly(CATEGORICAL_ACCURACY, (args) => categoricalAccuracy(args)),
];
