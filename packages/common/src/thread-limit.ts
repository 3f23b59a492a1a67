import { availableParallelism, totalmem } from 'node:os';

/** Threads per core beyond which more training threads only add memory and synchronisation, never speed. */
export const THREADS_PER_CORE = 4;
/**
 * Resident memory of a training thread besides its model: a V8 isolate, tfjs and the backend's
 * heap (30–60 MB measured on the native and wasm backends).
 */
export const THREAD_BASE_BYTES = 64 * 2 ** 20;
/**
 * Resident bytes per model parameter in each thread: the replica's weights, its gradient
 * tensors, its gradient slot in shared memory, and a copy in flight (wasm copies weights in).
 */
export const THREAD_BYTES_PER_PARAMETER = 16;
/** Training threads may take this share of the machine's memory; the rest is for the data, the main thread and everything else. */
export const THREAD_MEMORY_SHARE = 0.5;

export interface Machine {
  cores: number;
  memoryBytes: number;
}

export function thisMachine(): Machine {
  return { cores: availableParallelism(), memoryBytes: totalmem() };
}

/** The most training threads a machine runs sensibly, and why: what an error beyond it should say. */
export interface ThreadLimit {
  limit: number;
  reason: string;
}

/**
 * The one rule for how many training threads a machine takes (the data-parallel trainer's
 * workers; a sweep's runs × workers per run): at most THREADS_PER_CORE per core, and no more
 * than fit in THREAD_MEMORY_SHARE of the machine's memory at their estimated size each (a worker
 * holding a replica of `parameters` parameters). Never below 1: one thread needs no more than
 * model.fit.
 */
export function threadLimit(machine: Machine, parameters = 0): ThreadLimit {
  const byCores = THREADS_PER_CORE * machine.cores;
  const perThread = THREAD_BASE_BYTES + THREAD_BYTES_PER_PARAMETER * parameters;
  const byMemory = Math.floor((THREAD_MEMORY_SHARE * machine.memoryBytes) / perThread);
  if (byCores <= byMemory)
    return { limit: byCores, reason: `${THREADS_PER_CORE} per core on this machine's ${machine.cores} cores` };
  const replica = parameters > 0 ? ` with a replica of ${parameters.toLocaleString('en-US')} parameters` : '';
  const share = `${Math.round(THREAD_MEMORY_SHARE * 100)}% of this machine's ${formatBytes(machine.memoryBytes)}`;
  return {
    limit: Math.max(1, byMemory),
    reason: `an estimated ${formatBytes(perThread)} per worker${replica} in ${share} of memory`,
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
