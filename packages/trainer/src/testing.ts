// @fnn/trainer/testing — internal: hooks for the trainer's own tests and for tests of tools built
// on it (worker faults, replica weights, a view of the step counters). Not part of the public
// API and not for production use; it may change without notice.
export { withTestHooks, replicaWeightsOf, type TestHooks, type RunProbe } from './testing/test-hooks.js';
export type { FaultInjection } from './testing/fault-injection.js';
