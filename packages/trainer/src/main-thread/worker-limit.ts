import { availableParallelism, totalmem } from 'node:os';

/** Threads per core beyond which more workers only add memory and synchronisation, never speed. */
export const WORKERS_PER_CORE = 4;
/**
 * Resident memory of a worker thread besides its replica: a V8 isolate, tfjs and the backend's
 * heap (30–60 MB measured on the native and wasm backends).
 */
export const WORKER_BASE_BYTES = 64 * 2 ** 20;
/**
 * Resident bytes per model parameter in each worker: the replica's weights, its gradient
 * tensors, its gradient slot in shared memory, and a copy in flight (wasm copies weights in).
 */
export const WORKER_BYTES_PER_PARAMETER = 16;
/** The workers may take this share of the machine's memory; the rest is for the data, the main thread and everything else. */
export const WORKER_MEMORY_SHARE = 0.5;

export interface Machine {
  cores: number;
  memoryBytes: number;
}

export function thisMachine(): Machine {
  return { cores: availableParallelism(), memoryBytes: totalmem() };
}

/** The most workers a machine runs sensibly, and why: what an error beyond it should say. */
export interface WorkerLimit {
  limit: number;
  reason: string;
}

/**
 * At most WORKERS_PER_CORE workers per core, and no more than fit, at their estimated memory
 * each (a replica of `parameters` parameters), in WORKER_MEMORY_SHARE of the machine's memory.
 * Never below 1: one worker needs no more than model.fit.
 */
export function workerLimit(machine: Machine, parameters = 0): WorkerLimit {
  const byCores = WORKERS_PER_CORE * machine.cores;
  const perWorker = WORKER_BASE_BYTES + WORKER_BYTES_PER_PARAMETER * parameters;
  const byMemory = Math.floor((WORKER_MEMORY_SHARE * machine.memoryBytes) / perWorker);
  if (byCores <= byMemory)
    return { limit: byCores, reason: `${WORKERS_PER_CORE} per core on this machine's ${machine.cores} cores` };
  const replica = parameters > 0 ? ` with a replica of ${parameters.toLocaleString('en-US')} parameters` : '';
  return {
    limit: Math.max(1, byMemory),
    reason: `an estimated ${formatBytes(perWorker)} per worker${replica} in ${Math.round(WORKER_MEMORY_SHARE * 100)}% of this machine's ${formatBytes(machine.memoryBytes)} of memory`,
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
