// Where one training step's time goes, shared by the benches: the step's best wall time, and
// each tfjs kernel's time under tf.profile (the rest of the wall time is JavaScript: layers,
// tape, tfjs op wrappers, tidy, readback).

/**
 * Runs `step` 5 times to warm up, then returns its best wall time over 10 runs and, per kernel,
 * the least total over 3 profiled steps (one profiled step is at the mercy of the machine's load).
 */
export async function profileStep(tf, step) {
  for (let i = 0; i < 5; i++) step();
  let wall = Infinity;
  for (let i = 0; i < 10; i++) {
    const start = performance.now();
    step();
    wall = Math.min(wall, performance.now() - start);
  }
  const byKernel = new Map();
  let kernelCount = 0;
  for (let run = 0; run < 3; run++) {
    const profile = await tf.profile(step);
    const kernels = profile.kernels.filter((k) => !k.name.endsWith('__op')); // an op's scope, counted by its kernels
    kernelCount = kernels.length;
    const totals = new Map();
    for (const k of kernels) {
      const entry = totals.get(k.name) ?? { ms: 0, calls: 0 };
      entry.ms += k.kernelTimeMs;
      entry.calls++;
      totals.set(k.name, entry);
    }
    for (const [name, entry] of totals) {
      const seen = byKernel.get(name);
      if (!seen || entry.ms < seen.ms) byKernel.set(name, entry);
    }
  }
  const kernelMs = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
  return { wall, kernelCount, kernelMs, byKernel };
}

/** The `rows` costliest kernels of a profileStep result as a markdown table. */
export function printKernelTable({ wall, byKernel }, rows) {
  console.log('| kernel | calls | ms | share of step |');
  console.log('|---|---:|---:|---:|');
  for (const [kernel, e] of [...byKernel].sort((p, q) => q[1].ms - p[1].ms).slice(0, rows)) {
    console.log(`| ${kernel} | ${e.calls} | ${e.ms.toFixed(3)} | ${((100 * e.ms) / wall).toFixed(1)} % |`);
  }
}
