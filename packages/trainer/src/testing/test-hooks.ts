import { ValueError } from '@fnn/core';
import { describeValue } from '../errors.js';
import type { DataParallelFitArgs } from '../fit-args.js';
import type { Machine } from '@fnn/common';
import type { FaultInjection } from './fault-injection.js';

/** What tests may ask of a `fit`, through `withTestHooks` only (production options have no such fields). */
export interface TestHooks {
  /** Make a worker throw, exit or run out of memory before a given step. */
  faultInjection?: FaultInjection;
  /** Keep every replica's final weights, for `replicaWeightsOf(trainer)`. */
  collectReplicaWeights?: boolean;
  /** The machine the workers bound is computed for, instead of this one. */
  machine?: Machine;
  /** Called once every worker is ready, with a view of the run's progress. */
  onStart?: (run: RunProbe) => void;
}

/** A read-only view of a running fit's shared counters. */
export interface RunProbe {
  /** Steps the main thread has allowed the workers to take so far (counted over the whole fit). */
  stepsGranted(): number;
  /** Steps every worker has completed so far. */
  stepsDone(): number;
}

// A symbol of this module: only code that imports it (the testing entry) can set the hooks.
const TEST_HOOKS = Symbol('@fnn/trainer test hooks');

/** `args` with test hooks attached, for `trainer.fit(model, x, y, withTestHooks(args, hooks))`. */
export function withTestHooks(args: DataParallelFitArgs, hooks: TestHooks): DataParallelFitArgs {
  const withHooks: DataParallelFitArgs & { [TEST_HOOKS]?: TestHooks } = { ...args, [TEST_HOOKS]: hooks };
  return withHooks;
}

/** The test hooks attached to fit arguments, checked against the trainer's worker count. */
export function testHooksOf(args: object, workers: number, owner: string): TestHooks | undefined {
  const hooks = (args as { [TEST_HOOKS]?: TestHooks })[TEST_HOOKS];
  const worker = hooks?.faultInjection?.worker;
  if (worker !== undefined && !(Number.isInteger(worker) && worker >= 0 && worker < workers)) {
    throw new ValueError(
      `${owner}: expected faultInjection.worker in [0, ${workers - 1}], but got ${describeValue(worker)}.`,
    );
  }
  return hooks;
}

const replicaWeights = new WeakMap<object, Float32Array[]>();

/** Records (or forgets, with undefined) the replica weights of a trainer's last fit. */
export function keepReplicaWeights(trainer: object, weights: Float32Array[] | undefined): void {
  if (weights === undefined) replicaWeights.delete(trainer);
  else replicaWeights.set(trainer, weights);
}

/** Each replica's weights (trainable then non-trainable) after the trainer's last fit with `collectReplicaWeights`. */
export function replicaWeightsOf(trainer: object): Float32Array[] | undefined {
  return replicaWeights.get(trainer);
}
