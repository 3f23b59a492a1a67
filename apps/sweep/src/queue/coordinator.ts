import type { SweepData } from '../sweep-data.js';
import type { RunConfig } from '../run-config.js';
import { rungsFor, type AshaSettings } from '../search/asha.js';
import { dataFingerprint } from './data-fingerprint.js';
import { QueueExecutor } from './queue-executor.js';
import type { RedisAddress } from './redis-address.js';
import { checkRedis } from './redis-check.js';
import { sweepIdFor, type JobData } from './run-job.js';

export interface CoordinatorRequest {
  queue: { address: RedisAddress; name: string };
  /** The sweep's output folder (absolute): with the runs and data, it names the sweep's jobs. */
  outDir: string;
  runs: RunConfig[];
  data: SweepData;
  dataDir: string | null;
  limitTrain: number | null;
  limitEval: number | null;
  /** Runs a resumed sweep has already recorded, with their epochs: their jobs, if still queued, are removed at the end. */
  recorded: { id: string; epochs: number }[];
  /** --scheduler asha: each stretch of a trial between rungs is a job. */
  asha: AshaSettings | null;
  log: (line: string) => void;
}

/**
 * The coordinator's side of `--queue`: checks the Redis server (a clear error within seconds
 * when it is unreachable, refuses the password or is not a Redis), fingerprints the data the
 * workers must have, and returns the executor that enqueues the runs.
 */
export async function connectCoordinator(request: CoordinatorRequest): Promise<QueueExecutor> {
  const { queue, log } = request;
  log(`fnn-sweep: queue ${queue.name} on ${queue.address.display}`);
  const server = await checkRedis(queue.address);
  log(`fnn-sweep: connected to Redis ${server.version}`);
  if (server.warning) log(`fnn-sweep: warning: ${server.warning}`);
  const data: JobData = {
    source: request.data.source,
    limitTrain: request.limitTrain,
    limitEval: request.limitEval,
    fingerprint: dataFingerprint(request.data),
  };
  const sweepId = sweepIdFor(request.outDir, request.runs, data, request.asha);
  const executor = await QueueExecutor.connect({
    address: queue.address,
    queueName: queue.name,
    sweepId,
    data,
    recorded: request.recorded,
    ...(request.asha ? { rungs: rungsFor(request.asha) } : {}),
    log,
  });
  const jobs = request.asha
    ? `${request.runs.length} trials, each stretch between rungs a job,`
    : `${request.runs.length} jobs`;
  log(
    `fnn-sweep: sweep ${sweepId}: ${jobs} for workers started with  fnn-sweep worker --queue ${queue.address.display}` +
      `${queue.name !== 'fnn-sweep' ? ` --queue-name ${queue.name}` : ''}${request.dataDir ? ' --data-dir <the same data>' : ''}`,
  );
  return executor;
}
