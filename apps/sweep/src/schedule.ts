import { ConfigError } from './errors.js';
import type { RunConfig } from './run-config.js';

/** Parameters of the Dense layers (and BatchNormalization's 4 per unit) of a run's model. */
export function countParams(config: Pick<RunConfig, 'hidden' | 'batchNorm'>, inputSize = 784, classes = 10): number {
  let params = 0;
  let fanIn = inputSize;
  for (const units of [...config.hidden, classes]) {
    params += fanIn * units + units + (config.batchNorm ? 4 * units : 0);
    fanIn = units;
  }
  return params;
}

/**
 * Estimated training cost of a run in arbitrary units proportional to time: per sample, a
 * forward + backward pass costs ~6 FLOPs per weight, plus a fixed per-step overhead (kernel
 * launches, the optimizer, synchronisation) that dominates for small models.
 */
export function estimateCost(config: RunConfig, trainSize: number, inputSize = 784, classes = 10): number {
  const steps = Math.ceil(trainSize / config.batchSize) * config.epochs;
  const flopsPerStep = 6 * config.batchSize * countParams(config, inputSize, classes);
  const layers = config.hidden.length + 1;
  // ~10 GFLOP/s effective and ~0.15 ms per layer per step, measured roughly on wasm.
  const secondsPerStep = flopsPerStep / 10e9 + layers * (config.batchNorm ? 2 : 1) * 1.5e-4;
  return steps * secondsPerStep;
}

/** Longest first (LPT), so that the sweep's last run starts as early as possible; ties by id. */
export function longestFirst<T extends { config: RunConfig; cost: number }>(runs: T[]): T[] {
  return [...runs].sort((a, b) => b.cost - a.cost || a.config.id.localeCompare(b.config.id));
}

export interface SlotPlan {
  /** Runs trained at the same time. */
  concurrency: number;
  /** Data-parallel workers (threads) per run. */
  workersPerRun: number;
}

export interface SlotRequest {
  cores: number;
  runs: number;
  concurrency?: number;
  workersPerRun?: number;
  oversubscribe?: boolean;
}

/**
 * Splits the cores between runs. Runs are independent, so whole runs in parallel scale better
 * than sharding each batch: by default every core trains its own run (one worker each), and
 * only when there are fewer runs than cores do the leftover cores shard batches.
 */
export function planSlots(request: SlotRequest): SlotPlan {
  const { cores, runs } = request;
  const wanted = Math.max(1, runs);
  let concurrency = request.concurrency;
  let workersPerRun = request.workersPerRun;
  if (concurrency === undefined && workersPerRun === undefined) {
    concurrency = Math.min(cores, wanted);
    workersPerRun = Math.max(1, Math.floor(cores / concurrency));
  } else if (concurrency === undefined) {
    concurrency = Math.max(1, Math.min(wanted, Math.floor(cores / workersPerRun!)));
  } else if (workersPerRun === undefined) {
    workersPerRun = Math.max(1, Math.floor(cores / Math.min(concurrency, wanted)));
  }
  const threads = concurrency * workersPerRun!;
  if (threads > cores && !request.oversubscribe) {
    throw new ConfigError(
      `--concurrency ${concurrency} × --workers-per-run ${workersPerRun} = ${threads} threads, but this machine has ${cores} cores; ` +
        'lower one of them or pass --oversubscribe.',
    );
  }
  return { concurrency, workersPerRun: workersPerRun! };
}
