import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { errorMessage } from '../errors.js';
import type { RunContext, RunExecutor, RunResult } from '../executor.js';
import type { RunConfig } from '../run-config.js';
import { placeholder } from '../sweep.js';
import { checkpointKeys } from './redis-checkpoints.js';
import type { RedisAddress } from './redis-address.js';
import { connectionOptions } from './redis-check.js';
import { jobIdFor, RUN_JOB_NAME, type JobData, type RunJob } from './run-job.js';
import { decodeRunProgress, decodeRunResult } from './run-messages.js';
import { stretchJobId, stretchPriority, trainByStretches } from './stretches.js';

/** How often the coordinator asks Redis for the state of the jobs it waits for, in case an event was missed. */
const RECONCILE_MS = 10_000;

/**
 * Retries for a job whose processing threw unexpectedly (a lost connection, a data load that
 * failed); a run that fails by itself is a result, not an error, and is never retried. A worker
 * that dies is a stalled job, bounded by the workers' `maxStalledCount` instead.
 */
const JOB_ATTEMPTS = 3;

export interface QueueExecutorOptions {
  address: RedisAddress;
  queueName: string;
  /** sweepIdFor(...): job ids are `<sweepId>-<runId>`. */
  sweepId: string;
  data: JobData;
  /** Runs whose results the output folder already holds (a resumed sweep), with the epochs they trained. */
  recorded?: { id: string; epochs: number }[];
  /** Under ASHA, the rung epochs: a recorded run's jobs are its stretches between them up to its epochs. */
  rungs?: readonly number[];
  /** A line for the sweep's log (a stall, a lost connection). */
  log: (line: string) => void;
}

interface Waiter {
  config: RunConfig;
  context: RunContext;
  /** An ASHA stretch's last epoch, where its worker stops. */
  untilEpoch?: number;
  /** The workers that started training the job, from their first progress note: a failure names them. */
  workers: string[];
  settle: (result: RunResult) => void;
}

/** The note a worker sends when it starts training a job (queue-worker.ts). */
const STARTED_NOTE = /^training on worker (\S+)$/;

/**
 * Runs a sweep on other machines through a BullMQ queue: each run becomes a job with a stable id
 * (adding it again is a no-op, so a restarted coordinator re-attaches to the jobs already
 * queued, running or done), workers (`fnn-sweep worker`) train them, and their progress and
 * results come back through BullMQ's QueueEvents. The sweep writes the same files as a local one.
 * Under ASHA each stretch of a trial between rungs is a job of its own (see stretches.ts): the
 * sweep's scheduler decides here, at each stretch's end, what is queued next.
 */
export class QueueExecutor implements RunExecutor {
  readonly description: string;
  private readonly waiting = new Map<string, Waiter>();
  /** Jobs whose result this coordinator has returned: removed from Redis when the sweep closes. */
  private readonly settled = new Set<string>();
  private readonly reconcileTimer: NodeJS.Timeout;
  private lastEventsError = '';

  private constructor(
    private readonly options: QueueExecutorOptions,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    /** For what BullMQ does not do itself: removing a failed job's checkpoint. */
    private readonly redis: Redis,
  ) {
    this.description = `queue ${options.queueName} on ${options.address.display}`;
    for (const { id, epochs } of options.recorded ?? []) {
      this.settled.add(jobIdFor(options.sweepId, id));
      for (const rung of options.rungs ?? [])
        if (rung < epochs) this.settled.add(stretchJobId(options.sweepId, id, rung));
    }
    events.on('progress', ({ jobId, data }) => {
      const waiter = this.waiting.get(jobId);
      const progress = waiter && decodeRunProgress(data, waiter.config.id);
      if (!progress) return;
      const worker = STARTED_NOTE.exec(progress.note ?? '')?.[1];
      if (worker) waiter.workers.push(worker);
      waiter.context.onProgress(progress);
    });
    events.on('completed', ({ jobId, returnvalue }) => {
      const waiter = this.waiting.get(jobId);
      if (waiter) waiter.settle(this.resultOf(waiter, returnvalue));
    });
    // A failed attempt may still be retried: the job's state says whether it is over.
    events.on('failed', ({ jobId }) => void this.check(jobId));
    events.on('stalled', ({ jobId }) => {
      const waiter = this.waiting.get(jobId);
      if (!waiter) return;
      waiter.context.onProgress({
        id: waiter.config.id,
        epoch: 0,
        epochs: waiter.config.epochs,
        batch: 0,
        batches: 0,
        note: 'its worker stopped renewing the job lock (died or blocked): back in the queue for another worker',
      });
    });
    const onError = (error: unknown) => {
      const text = errorMessage(error);
      if (text !== this.lastEventsError) options.log(`fnn-sweep: Redis ${options.address.display}: ${text} (retrying)`);
      this.lastEventsError = text;
    };
    events.on('error', onError);
    queue.on('error', onError);
    this.reconcileTimer = setInterval(() => void this.reconcile(), RECONCILE_MS);
  }

  static async connect(options: QueueExecutorOptions): Promise<QueueExecutor> {
    const connection = connectionOptions(options.address);
    const queue = new Queue(options.queueName, { connection });
    const events = new QueueEvents(options.queueName, { connection });
    const redis = new Redis(connection);
    redis.on('error', () => {}); // the queue's own connections report outages
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new QueueExecutor(options, queue, events, redis);
  }

  run(config: RunConfig, context: RunContext): Promise<RunResult> {
    const { sweepId, data } = this.options;
    if (!context.rungs) {
      const payload: RunJob = { version: 1, sweepId, config, data };
      return this.runJob({ id: jobIdFor(sweepId, config.id), payload }, context);
    }
    const rungs = context.rungs.epochs;
    return trainByStretches(config, context, ({ from, until }) =>
      this.runJob(
        {
          id: stretchJobId(sweepId, config.id, from),
          payload: { version: 2, sweepId, config, data, untilEpoch: until },
          priority: stretchPriority(rungs, from),
        },
        context,
      ),
    );
  }

  /** Enqueues one job (or finds it already there) and resolves with its run's result. */
  private runJob(
    { id: jobId, payload, priority }: { id: string; payload: RunJob; priority?: number },
    context: RunContext,
  ): Promise<RunResult> {
    const { config } = payload;
    const untilEpoch = payload.version === 2 ? payload.untilEpoch : undefined;
    return new Promise<RunResult>((resolve) => {
      const onAbort = () =>
        settle(
          placeholder(
            config,
            'interrupted',
            `the coordinator stopped waiting; job ${jobId} stays in queue ${this.options.queueName} and a resumed sweep takes its result`,
          ),
        );
      const settle = (result: RunResult) => {
        if (this.waiting.get(jobId) !== waiter) return;
        this.waiting.delete(jobId);
        context.signal.removeEventListener('abort', onAbort);
        if (result.status !== 'interrupted') this.settled.add(jobId);
        resolve(result);
      };
      const waiter: Waiter = { config, context, untilEpoch, workers: [], settle };
      this.waiting.set(jobId, waiter);
      if (context.signal.aborted) return onAbort();
      context.signal.addEventListener('abort', onAbort, { once: true });
      this.queue
        .add(RUN_JOB_NAME, payload, {
          jobId,
          attempts: JOB_ATTEMPTS,
          backoff: { type: 'exponential', delay: 2000 },
          ...(priority !== undefined ? { priority } : {}),
        })
        // Added just now, or already there from an earlier coordinator: perhaps already done.
        .then(() => this.check(jobId))
        .catch((error) =>
          settle(placeholder(config, 'failed', `could not enqueue job ${jobId}: ${errorMessage(error)}`)),
        );
    });
  }

  /** Settles a waiting run whose job has completed or failed for good. */
  private async check(jobId: string): Promise<void> {
    const waiter = this.waiting.get(jobId);
    if (!waiter) return;
    try {
      const state = await this.queue.getJobState(jobId);
      if (state === 'completed' || state === 'failed') {
        const job = await Job.fromId(this.queue, jobId);
        if (!job) return;
        if (state === 'completed') waiter.settle(this.resultOf(waiter, job.returnvalue));
        else waiter.settle(await this.failure(waiter, job));
      } else if (state === 'unknown') {
        waiter.settle(
          placeholder(waiter.config, 'failed', `job ${jobId} was removed from the queue before it finished`),
        );
      }
    } catch {
      // Redis is unreachable for now: the next event or reconciliation settles it.
    }
  }

  private async reconcile(): Promise<void> {
    const ids = [...this.waiting.keys()];
    for (let i = 0; i < ids.length; i += 50) await Promise.all(ids.slice(i, i + 50).map((id) => this.check(id)));
  }

  private resultOf({ config, untilEpoch }: Waiter, value: unknown): RunResult {
    try {
      return decodeRunResult(value, config, untilEpoch);
    } catch (error) {
      return placeholder(config, 'failed', `the worker's result could not be read: ${errorMessage(error)}`);
    }
  }

  /** A job that failed for good: why, where, and its checkpoint removed (no worker will continue it). */
  private async failure({ config, workers }: Waiter, job: Job): Promise<RunResult> {
    await this.dropCheckpoint(config.id);
    if (/stalled more than allowable limit/.test(job.failedReason ?? '')) {
      // BullMQ fails such a job when a worker next takes it, without training it: that start and
      // that worker are not where the run was lost, the workers that trained it are.
      const trainedOn = workers.length > 0 ? `; it trained on ${workers.join(', ')}` : '';
      return placeholder(
        config,
        'failed',
        `its worker died or stopped responding ${job.stalledCounter} times, more than the workers' --max-stalls allow (${job.failedReason})${trainedOn}`,
      );
    }
    const where = job.processedBy ? ` (last on worker ${job.processedBy})` : '';
    return placeholder(
      config,
      'failed',
      `${job.failedReason ?? 'failed'}${where}, after ${job.attemptsStarted} start(s)`,
    );
  }

  /** The run's checkpoint, shared by its stretches, is no longer needed: ASHA stopped it, or it failed. */
  async dropCheckpoint(runId: string): Promise<void> {
    const { sweepId, queueName } = this.options;
    const runJobId = jobIdFor(sweepId, runId);
    await this.redis.del(checkpointKeys(this.queue.opts.prefix ?? 'bull', queueName, runJobId).checkpoint);
  }

  async close(): Promise<void> {
    clearInterval(this.reconcileTimer);
    // Results are written by now; their jobs are no longer needed (unfinished ones stay for --resume).
    const done = [...this.settled];
    try {
      for (let i = 0; i < done.length; i += 100)
        await Promise.all(done.slice(i, i + 100).map((id) => this.queue.remove(id)));
    } catch (error) {
      this.options.log(`fnn-sweep: could not remove finished jobs from the queue: ${errorMessage(error)}`);
    }
    await this.events.close();
    await this.queue.close();
    this.redis.disconnect();
  }
}
