import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { Dataset, DataError } from './index.js';

/** A 5-sample dataset of 2×2 byte "images" with one-hot labels over 3 classes. */
function bytesDataset(): Dataset {
  const x = Uint8Array.from({ length: 20 }, (_, i) => i * 13);
  const y = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [1, 0, 0],
    [0, 1, 0],
  ];
  return Dataset.fromArrays({ x, y, featureShape: [2, 2], numClasses: 3, featureDivisor: 255 });
}

const range = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

describe('Dataset.fromArrays', () => {
  it('copies rows into shared memory with the given metadata', () => {
    const ds = Dataset.fromArrays({
      x: [
        [1, 2, 3],
        [4, 5, 6],
      ],
      y: [[0], [1]],
      numClasses: 2,
    });
    expect(ds.size).toBe(2);
    expect(ds.featureShape).toEqual([3]);
    expect(ds.labelShape).toEqual([1]);
    expect(ds.numClasses).toBe(2);
    expect(ds.featureStorage).toBe('float32');
    expect(ds.features.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(ds.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(ds.features)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('accepts flat Float32Array x with featureShape and flat y', () => {
    const x = Float32Array.from({ length: 12 }, (_, i) => i / 2);
    const ds = Dataset.fromArrays({ x, y: [3, 1, 2], featureShape: [4] });
    expect(ds.size).toBe(3);
    expect(ds.labelShape).toEqual([1]);
    expect(ds.numClasses).toBeNull();
    x[0] = 99; // the dataset holds a copy
    expect(ds.features[0]).toBe(0);
  });

  it('rejects mismatched or malformed input, naming the argument, what it got and what it expected', () => {
    expect(() => Dataset.fromArrays({ x: [[1], [2], [3]], y: [[0], [1]] })).toThrow(DataError);
    expect(() => Dataset.fromArrays({ x: [[1], [2], [3]], y: [[0], [1]] })).toThrow(
      'Expected y to have one row per sample of x (3), but got 2 rows.',
    );
    expect(() => Dataset.fromArrays({ x: [[1], [2], [3]], y: [0, 1] })).toThrow(
      "Expected y's length to be a multiple of the number of samples in x (3), but got 2",
    );
    expect(() => Dataset.fromArrays({ x: new Float32Array(10), y: [0], featureShape: [3] })).toThrow(
      "Expected x's length to be a multiple of the feature size 3 (featureShape [3]), but got 10.",
    );
    expect(() => Dataset.fromArrays({ x: new Float32Array(6), y: [0, 1] })).toThrow(
      'Expected featureShape with flat x',
    );
    expect(() => Dataset.fromArrays({ x: [[1, 2], [3]], y: [0, 1] })).toThrow(
      'Expected x[1] to be a row of 2 numbers, but got an array of length 1.',
    );
    expect(() => Dataset.fromArrays({ x: [[1, NaN]], y: [0] })).toThrow(
      'Expected x[0][1] to be a finite number, but got NaN.',
    );
    expect(() => Dataset.fromArrays({ x: [[1, 2]], y: [0], featureShape: [3] })).toThrow('featureShape [3]');
    expect(() => Dataset.fromArrays({ x: [[1]], y: [0], featureShape: [0] })).toThrow(
      'Expected featureShape to be an array of positive integers',
    );
    expect(() => Dataset.fromArrays({ x: 'abc' as unknown as number[][], y: [0] })).toThrow(
      'Expected x to be a Float32Array or an array (of rows), but got "abc".',
    );
    expect(() => Dataset.fromArrays({ x: [[1]], y: [0], numClasses: 0 })).toThrow(
      'Expected numClasses to be an integer >= 1, but got 0.',
    );
    expect(() => Dataset.fromArrays({ x: [[1]], y: [0, 1, 2], labelShape: [2] })).toThrow(
      'Expected y to hold 1 samples × 2 values (labelShape [2]) = 2 values, but got 3.',
    );
  });
});

describe('gather / gatherInto', () => {
  it('normalises uint8 features to byte / divisor and copies labels, in index order', () => {
    const ds = bytesDataset();
    const { x, y } = ds.gather([3, 0]);
    expect(Array.from(x)).toEqual([12, 13, 14, 15, 0, 1, 2, 3].map((i) => Math.fround((i * 13) / 255)));
    expect(Array.from(y)).toEqual([1, 0, 0, 1, 0, 0]);
  });

  it('matches a reference for float32 and uint8 storage with odd widths (unrolled loop remainders)', () => {
    for (const width of [1, 3, 5, 17, 784]) {
      const n = 9;
      const bytes = Uint8Array.from({ length: n * width }, (_, i) => (i * 37) % 256);
      const asBytes = Dataset.fromArrays({
        x: bytes,
        y: new Float32Array(n),
        featureShape: [width],
        featureDivisor: 255,
      });
      const asFloats = Dataset.fromArrays({
        x: Float32Array.from(bytes, (b) => b / 255),
        y: new Float32Array(n),
        featureShape: [width],
      });
      const order = Uint32Array.from([8, 2, 2, 0, 5]);
      const expected = Array.from(order).flatMap((i) =>
        Array.from(bytes.subarray(i * width, (i + 1) * width), (b) => Math.fround(b / 255)),
      );
      expect(Array.from(asBytes.gather(order).x)).toEqual(expected);
      expect(Array.from(asFloats.gather(order).x)).toEqual(expected);
    }
  });

  it('gatherInto writes into the first rows of longer buffers and returns the count', () => {
    const ds = bytesDataset();
    const x = new Float32Array(4 * 4).fill(-1);
    const y = new Float32Array(4 * 3).fill(-1);
    expect(ds.gatherInto(Uint32Array.from([4, 1]), x, y)).toBe(2);
    expect(x[0]).toBeCloseTo((16 * 13) / 255, 6);
    expect(x[8]).toBe(-1); // untouched beyond the two samples
    expect(Array.from(y.subarray(0, 6))).toEqual([0, 1, 0, 0, 1, 0]);
  });

  it('rejects out-of-range indices and short or wrong output buffers', () => {
    const ds = bytesDataset();
    expect(() => ds.gather([0, 5])).toThrow('Expected indices[1] to be a sample index in [0, 4], but got 5.');
    expect(() => ds.gather([-1])).toThrow('but got -1');
    expect(() => ds.gatherInto([0, 1], new Float32Array(7), new Float32Array(6))).toThrow(
      'Expected xOut to be a Float32Array of at least 2 × 4 = 8 values, but got a Float32Array of length 7.',
    );
    expect(() => ds.gatherInto([0], new Float32Array(4), new Float64Array(3) as unknown as Float32Array)).toThrow(
      'Expected yOut to be a Float32Array',
    );
  });
});

describe('shuffle, batches, slice', () => {
  it('shuffle is a deterministic permutation per (seed, epoch)', () => {
    const ds = Dataset.fromArrays({ x: new Float32Array(100), y: new Float32Array(100), featureShape: [1] });
    const a = ds.shuffle(1, 0);
    expect(ds.shuffle(1, 0)).toEqual(a);
    expect(ds.shuffle(1, 1)).not.toEqual(a);
    expect(Array.from(a).sort((p, q) => p - q)).toEqual(Array.from(range(100)));
  });

  it('batches iterate in order with the last partial batch, as views of the order', () => {
    const ds = bytesDataset();
    expect(Array.from(ds.batches(2), (b) => Array.from(b))).toEqual([[0, 1], [2, 3], [4]]);
    const order = Uint32Array.from([4, 2, 0, 1, 3]);
    const batches = [...ds.batches(3, order)];
    expect(batches.map((b) => Array.from(b))).toEqual([
      [4, 2, 0],
      [1, 3],
    ]);
    expect(batches[1]!.buffer).toBe(order.buffer);
    expect(ds.numBatches(2)).toBe(3);
    expect([...ds.batches(10)]).toHaveLength(1);
    expect(() => ds.batches(0).next()).toThrow('Expected batchSize to be an integer >= 1, but got 0.');
    expect(() => ds.batches(2, [0, 1] as unknown as Uint32Array).next()).toThrow('Expected order to be a Uint32Array');
  });

  it('slice is a view of the same memory', () => {
    const ds = bytesDataset();
    const part = ds.slice(1, 3);
    expect(part.size).toBe(2);
    expect(part.features.buffer).toBe(ds.features.buffer);
    expect(Array.from(part.gather([0]).y)).toEqual([0, 1, 0]);
    expect(Array.from(part.gather([1]).x)).toEqual(Array.from(ds.gather([2]).x));
    expect(ds.slice(3).size).toBe(2);
    expect(ds.slice(2, 2).size).toBe(0);
    expect(() => ds.slice(2, 6)).toThrow('Expected end to be an integer in [2, 5], but got 6.');
    expect(() => ds.slice(-1)).toThrow('Expected start to be an integer in [0, 5], but got -1.');
  });
});

describe('transferable and tensors', () => {
  it('round-trips through structuredClone sharing memory', () => {
    const ds = bytesDataset().slice(1);
    const copy = Dataset.fromTransferable(structuredClone(ds.toTransferable()));
    expect(copy.size).toBe(4);
    expect(copy.featureShape).toEqual([2, 2]);
    expect(copy.numClasses).toBe(3);
    expect(copy.gather([0, 3])).toEqual(ds.gather([0, 3]));
    copy.features[0] = 200; // same memory: the original sees the write
    expect(ds.features[0]).toBe(200);
    expect(() => Dataset.fromTransferable({ kind: 'other' } as never)).toThrow(
      "Expected the result of dataset.toTransferable() (kind 'fnn.Dataset', version 1)",
    );
  });

  it('toTensors gives [size, featureSize] and [size, labelSize] float32 tensors of the tf module', async () => {
    await tf.setBackend('cpu');
    const ds = bytesDataset();
    const { x, y } = ds.toTensors(tf);
    expect(x.shape).toEqual([5, 4]);
    expect(y.shape).toEqual([5, 3]);
    expect(x.dtype).toBe('float32');
    expect(Array.from(await x.data())).toEqual(Array.from(ds.gather(range(5)).x));
    expect(Array.from(await y.data())).toEqual(Array.from(ds.labels));
    tf.dispose([x, y]);
    expect(() => ds.toTensors(undefined as never)).toThrow("Expected toTensors's tf argument to be the tf module");
  });
});
