import { convParams, convTrainingFlops, headInputSize } from './conv-net.js';
import { ConfigError } from './errors.js';
import { maxThreads } from './limits.js';
import type { RunConfig } from './run-config-type.js';
import { backendSpeed, type BackendSpeed } from './speed.js';

/** Parameters of a run's model: its conv layers, Dense layers and BatchNormalization's 4 per unit. */
export function countParams(
  config: Pick<RunConfig, 'hidden' | 'batchNorm' | 'conv' | 'pool'>,
  inputSize = 784,
  classes = 10,
): number {
  let params = convParams(config, inputSize);
  let fanIn = headInputSize(config, inputSize);
  for (const units of [...config.hidden, classes]) {
    params += fanIn * units + units + (config.batchNorm ? 4 * units : 0);
    fanIn = units;
  }
  return params;
}

/** The data's shape and the backend's speed a cost estimate assumes (MNIST and wasm unless given). */
export interface CostSettings {
  inputSize?: number;
  classes?: number;
  speed?: BackendSpeed;
}

/**
 * Estimated single-core training time of a run in seconds on a backend (default wasm): per
 * sample, a forward + backward pass costs ~6 FLOPs per weight, plus a fixed per-step overhead
 * (kernel launches, the optimizer, synchronisation) that dominates for small models.
 */
export function estimateCost(config: RunConfig, trainSize: number, on: CostSettings = {}): number {
  const { inputSize = 784, classes = 10, speed = backendSpeed('wasm') } = on;
  const steps = Math.ceil(trainSize / config.batchSize) * config.epochs;
  const denseParams = countParams(config, inputSize, classes) - convParams(config, inputSize);
  const flopsPerStep = 6 * config.batchSize * denseParams;
  // Conv layers run at their own rate; each (with its pooling) costs two layers' fixed overhead.
  const convSeconds = (config.batchSize * convTrainingFlops(config, inputSize)) / speed.convFlopsPerSecond;
  const layers = config.hidden.length + 1;
  const secondsPerStep =
    flopsPerStep / speed.flopsPerSecond +
    convSeconds +
    (layers * (config.batchNorm ? 2 : 1) + 2 * (config.conv?.length ?? 0)) * speed.secondsPerLayerStep;
  return steps * secondsPerStep;
}

/** Longest first (LPT), so that the sweep's last run starts as early as possible; ties by id. */
export function longestFirst<T extends { config: RunConfig; cost: number }>(runs: T[]): T[] {
  return [...runs].sort((a, b) => b.cost - a.cost || a.config.id.localeCompare(b.config.id));
}

/**
 * The runs in the order a sweep starts them, each with its estimated single-core seconds: longest
 * first, or as given under ASHA (a grid's order is shuffled, see ashaStartOrder: longest first
 * would let the widest models set every rung's bar).
 */
export function startOrder(
  runs: RunConfig[],
  { trainSize, asha, cost }: { trainSize: number; asha: boolean; cost?: CostSettings },
): { config: RunConfig; cost: number }[] {
  const costed = runs.map((config) => ({ config, cost: estimateCost(config, trainSize, cost) }));
  return asha ? costed : longestFirst(costed);
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
  /** Bytes of memory of the machine (bounds the threads even with oversubscribe); default: no memory bound. */
  totalMemory?: number;
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
  const { limit, reason } = maxThreads(cores, request.totalMemory);
  if (threads > limit) {
    throw new ConfigError(
      `--concurrency ${concurrency} × --workers-per-run ${workersPerRun} = ${threads} threads; expected at most ${limit} ` +
        `even with --oversubscribe (${reason}).`,
    );
  }
  if (threads > cores && !request.oversubscribe) {
    throw new ConfigError(
      `--concurrency ${concurrency} × --workers-per-run ${workersPerRun} = ${threads} threads, but this machine has ${cores} cores; ` +
        'lower one of them or pass --oversubscribe.',
    );
  }
  return { concurrency, workersPerRun: workersPerRun! };
}
