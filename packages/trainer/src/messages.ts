import { Packr } from 'msgpackr';
import type { DatasetTransferable } from '@fnn/data';
import type { BackendName } from '@fnn/core';
import type { SampleLayout } from './sample-layout.js';
import type { SharedBuffers } from './shared-memory/layout.js';
import type { FaultInjection } from './testing/fault-injection.js';
import type { WeightLayout } from './weight-layout.js';

/**
 * Structured messages between the main thread and the workers are msgpackr-encoded; typed arrays
 * (moreTypes) come back as typed arrays. Bulk data never travels this way: it sits in shared memory.
 */
const packr = new Packr({ moreTypes: true, useRecords: false });

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decode<T>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}

/** Everything a worker needs to build its replica and run, apart from the shared buffers. */
export interface ReplicaSpec {
  workers: number;
  backend: BackendName;
  /** `model.toJSON()`. */
  topology: unknown;
  /** `serializeCompileArgs(model.compiled)`. */
  compileArgs: unknown;
  layout: WeightLayout;
  /** How a Dataset row splits into the model's inputs and targets. */
  sampleLayout: SampleLayout;
  /** Log keys of the compiled model: `loss`, then the metrics; also the order of the stats columns. */
  logKeys: string[];
  batchSize: number;
  shuffle: boolean;
  seed: number;
  syncBatchNorm: boolean;
  /** Milliseconds a thread waits for the others before giving up. */
  syncTimeoutMs: number;
  /** Milliseconds a worker spins at a step barrier before blocking (0 when workers outnumber cores). */
  spinMs: number;
  /** Set only through the testing entry (see testing/test-hooks.ts). */
  testHooks?: WorkerTestHooks;
}

/** What the testing entry may ask of the workers. */
export interface WorkerTestHooks {
  faultInjection?: FaultInjection;
  /** Return each replica's weights in its report. */
  returnReplicaWeights?: boolean;
}

/** The piscina task: the encoded spec, shared memory and data sets (SharedArrayBuffers stay shared). */
export interface ReplicaTask {
  workerIndex: number;
  spec: Uint8Array;
  shared: SharedBuffers;
  train: DatasetTransferable;
  validation: DatasetTransferable | null;
}

/** Where one worker's training time went (milliseconds summed over its steps). */
export interface ReplicaTimings {
  steps: number;
  /** Gathering the shard, forward and backward pass, reading the loss. */
  computeMs: number;
  /** Copying gradients into shared memory and summing this worker's slice of them. */
  exchangeMs: number;
  /** Waiting for the other workers: for their losses and gradients, and at the step barrier. */
  waitMs: number;
  /** The optimizer update (of this worker's slice, with several), and loading the new weights where the replica keeps its own copy. */
  applyMs: number;
}

/** What a worker's task resolves with (encoded). */
export interface ReplicaReport {
  workerIndex: number;
  backend: string;
  steps: number;
  timings: ReplicaTimings;
  /** tf.memory().numTensors in the worker after each epoch (a leak shows as growth). */
  tensorsAfterEpochs: number[];
  /** Test-only: all weights, trainable then non-trainable, in layout order. */
  weights?: Float32Array;
}

/** What a failing worker writes into shared memory before it rethrows, so the cause reaches the main thread first. */
export interface FailureRecord {
  workerIndex: number;
  name: string;
  message: string;
  stack: string;
}
