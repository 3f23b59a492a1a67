/**
 * How fast a backend trains, for the cost model (schedule.ts): the effective matmul throughput
 * and the fixed cost per layer and step (kernel launches, the optimizer, synchronisation) that
 * dominates for small models. Measured on the project's 2-core machine (see README, "Figures").
 */
export interface BackendSpeed {
  flopsPerSecond: number;
  secondsPerLayerStep: number;
}

const SPEEDS: Record<string, BackendSpeed> = {
  wasm: { flopsPerSecond: 10e9, secondsPerLayerStep: 1.5e-4 },
  native: { flopsPerSecond: 10e9, secondsPerLayerStep: 1.5e-4 },
  cpu: { flopsPerSecond: 10e9, secondsPerLayerStep: 1.5e-4 },
};

/** The speed of a backend by name; unmeasured ones (e.g. tensorflow) are taken as wasm. */
export function backendSpeed(backend: string): BackendSpeed {
  return SPEEDS[backend] ?? SPEEDS.wasm!;
}
