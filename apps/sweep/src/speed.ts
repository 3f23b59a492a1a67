/**
 * How fast a backend trains, for the cost model (schedule.ts): the effective throughput of a
 * training step's arithmetic and the fixed cost per layer and step (kernel launches, the
 * optimizer) that dominates for small models. Single-core figures of the project's machine:
 * native is fitted to the measured default sweep (README, "Figures": 125 epochs in ~115 s of
 * training), wasm and cpu from native by step times measured side by side (wasm: 4.7× slower on
 * wide models, 2.7× on deep narrow ones; cpu: the matmul rate in the project's notes).
 */
export interface BackendSpeed {
  flopsPerSecond: number;
  /**
   * The same for conv layers (conv-net.ts counts their FLOPs): native from the Keras MNIST
   * convnet's measured one-core epoch (bench/conv.bench.mjs: 10,400 samples/s of 14.6 MFLOP, ~150
   * GFLOP/s, with the direct first-layer kernels and the fused conv + pool pairs); wasm (whose
   * filter gradient is built from slices and matmuls) and cpu from their rates on it measured
   * side by side with native's im2col kernels of the time (native 28, wasm 1.2, cpu 0.02 GFLOP/s
   * on a loaded machine), taken as quiet-machine rates.
   */
  convFlopsPerSecond: number;
  secondsPerLayerStep: number;
}

const SPEEDS: Record<string, BackendSpeed> = {
  native: { flopsPerSecond: 140e9, convFlopsPerSecond: 150e9, secondsPerLayerStep: 5.5e-5 },
  wasm: { flopsPerSecond: 30e9, convFlopsPerSecond: 2e9, secondsPerLayerStep: 1.5e-4 },
  cpu: { flopsPerSecond: 0.75e9, convFlopsPerSecond: 0.035e9, secondsPerLayerStep: 5e-4 },
};

/** The speed of a backend by name; unmeasured ones (e.g. tensorflow) are taken as wasm. */
export function backendSpeed(backend: string): BackendSpeed {
  return SPEEDS[backend] ?? SPEEDS.wasm!;
}
