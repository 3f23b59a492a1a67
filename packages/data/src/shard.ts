import { checkInteger, DataError } from './errors.js';
import { describeValue } from '@fnn/common';

/** A half-open range [start, end) of a batch. */
export interface ShardRange {
  start: number;
  end: number;
}

/**
 * Splits `length` items into `workers` contiguous ranges covering them exactly. Sizes differ by
 * at most one, larger parts first (the first length % workers parts get the extra item); parts
 * are empty when length < workers.
 */
export function shardRanges(length: number, workers: number): ShardRange[] {
  checkInteger('length', length, 0);
  checkInteger('workers', workers, 1);
  const base = Math.floor(length / workers);
  const extra = length % workers;
  const ranges: ShardRange[] = [];
  let start = 0;
  for (let w = 0; w < workers; w++) {
    const end = start + base + (w < extra ? 1 : 0);
    ranges.push({ start, end });
    start = end;
  }
  return ranges;
}

/** Anything with a length and zero-copy subarray views: Uint32Array, Float32Array, ... */
export interface Subarrayable<T> {
  readonly length: number;
  subarray(begin?: number, end?: number): T;
}

/**
 * Splits a batch of indices into one contiguous part per worker (see shardRanges). The parts
 * are views into `batchIndices`, not copies.
 */
export function shard<T extends Subarrayable<T>>(batchIndices: T, workers: number): T[] {
  if (batchIndices === null || typeof batchIndices !== 'object' || typeof batchIndices.subarray !== 'function') {
    throw new DataError(
      `Expected batchIndices to be a typed array (e.g. a Uint32Array), but got ${describeValue(batchIndices)}.`,
    );
  }
  return shardRanges(batchIndices.length, workers).map(({ start, end }) => batchIndices.subarray(start, end));
}
