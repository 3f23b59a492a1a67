import { isDeepStrictEqual } from 'node:util';
import { describe, errorMessage } from './errors.js';
import { isSettled, type DataSettings, type RunExecutor, type RunResult } from './executor.js';
import type { ProgressDisplay } from './progress.js';
import { collectEnvironment } from './environment.js';
import { renderReport } from './report/render-report.js';
import type { ResultsStore, ResultsFile, SweepMeta } from './results-store.js';
import { describeArchitecture, type RunConfig } from './run-config.js';
import { countParams, estimateCost, startOrder, type CostSettings } from './schedule.js';
import type { AshaScheduler } from './search/asha.js';
import { AshaJobs, isPaused, joinTiming } from './search/asha-jobs.js';
import { searchRecord, type SearchPlan } from './search/search-plan.js';

const REPORT_INTERVAL_MS = 15_000;

export interface SweepRequest {
  runs: RunConfig[];
  store: ResultsStore;
  executor: RunExecutor;
  /** Runs trained at the same time. */
  concurrency: number;
  display: ProgressDisplay;
  /** Abort (e.g. on SIGINT) to stop: running runs end as interrupted, the rest are not started. */
  signal: AbortSignal;
  /** Keep runs that already finished in the store (from `--resume`) instead of training them again. */
  resume: boolean;
  saveModels: boolean;
  trainSize: number;
  /** The data's shape and the backend's speed the start order's cost estimates assume (MNIST on wasm unless given). */
  cost?: CostSettings;
  /** The plan's data settings: recorded with every run, and on resume a run is kept only if they match. */
  data?: DataSettings;
  /** Draw report.html (default true); tests of scheduling turn it off to stay fast. */
  writeReport?: boolean;
  meta: Pick<SweepMeta, 'backend' | 'cores' | 'workersPerRun' | 'data'>;
  /** dataFingerprint() of the data the runs train on, recorded for reproducibility. */
  dataFingerprint?: string;
  /** How the runs were chosen (recorded in results.json). */
  search?: SearchPlan | null;
  /**
   * ASHA: asked at every epoch end whether the run goes on or pauses at a rung, and by every slot
   * that needs work for a paused run to promote; its decisions are saved as they are made.
   */
  scheduler?: AshaScheduler;
}

export interface SweepOutcome {
  results: ResultsFile;
  /** Runs in plan order, with their final status. */
  runs: RunResult[];
  interrupted: boolean;
}

/**
 * Trains the runs `concurrency` at a time, longest first, writing each run's result the moment
 * it ends and re-aggregating results.json, results.csv, history.csv and report.html after each.
 * Under ASHA a slot that needs work first promotes a paused run (which resumes from its
 * checkpoint), else starts the next run; with no run left to start it waits while others train,
 * as one of them reaching a rung may make a paused run promotable.
 */
export function runSweep(request: SweepRequest): Promise<SweepOutcome> {
  return new Sweep(request).run();
}

type Planned = { config: RunConfig; cost: number };

/** One sweep's state while it runs: what is done, what is left, and the files it keeps current. */
class Sweep {
  private readonly startedAt = new Date();
  private readonly started = performance.now();
  private readonly done = new Map<string, RunResult>();
  private readonly data: DataSettings;
  /** On resume, what earlier attempts recorded (read once, checked as untrusted input). */
  private readonly previous: Map<string, RunResult>;
  private readonly environment: SweepMeta['environment'];
  private samplesTrained = 0;
  /** Aggregation is serialized: runs ending together must not write the same files at once. */
  private aggregation: Promise<ResultsFile | undefined> = Promise.resolve(undefined);
  private lastReport = -Infinity;
  /** Runs training now, and a promise settled at each rung result and run end (what idle ASHA slots wait for). */
  private running = 0;
  private changed!: Promise<void>;
  private wake!: () => void;
  /** Under ASHA: runs an earlier attempt left part-trained, resumed before anything is promoted or started. */
  private readonly carriedOver = new Set<string>();
  private readonly asha: AshaJobs | undefined;

  constructor(private readonly request: SweepRequest) {
    const { store, runs } = request;
    this.asha = request.scheduler && new AshaJobs(request.scheduler, store, request.display);
    this.data = request.data ?? { dataDir: null, limitTrain: null, limitEval: null };
    this.previous = request.resume ? store.readRuns(runs.map((r) => r.id)) : new Map<string, RunResult>();
    // Reproducibility metadata, gathered once (git is asked with a time limit).
    this.environment = collectEnvironment({
      backend: request.meta.backend,
      seeds: runs.map((r) => r.seed),
      dataFingerprint: request.dataFingerprint,
    });
  }

  async run(): Promise<SweepOutcome> {
    const { request } = this;
    this.keepSettledRuns();
    const queue = this.plan();
    for (const [id, run] of this.done)
      request.display.log(`[${id}] already ${isPaused(run) ? 'paused' : run.status} in ${request.store.dir}, skipped`);
    this.rearm();
    const onAbort = () => this.wake();
    request.signal.addEventListener('abort', onAbort, { once: true });
    const paused = [...this.done.values()].filter(isPaused).length;
    const open = queue.length + paused;
    const slots = Math.max(1, Math.min(request.concurrency, open));
    await Promise.all(Array.from({ length: slots }, () => this.slot(queue)));
    request.signal.removeEventListener('abort', onAbort);
    // The search is over when nothing trains and nothing is promotable: the paused runs stop.
    if (!request.signal.aborted) {
      for (const run of this.asha?.stopPaused(this.done) ?? []) {
        this.done.set(run.id, run);
        await request.executor.dropCheckpoint?.(run.id).catch((error) => {
          request.display.log(`[${run.id}] its checkpoint could not be dropped: ${errorMessage(error)}`);
        });
      }
    }
    const interrupted =
      request.signal.aborted &&
      request.runs.some((c) => !isSettled(this.done.get(c.id)) || isPaused(this.done.get(c.id)));
    if (interrupted) this.markNotFinished();
    const results = (await this.aggregate(interrupted ? 'interrupted' : 'finished'))!;
    return { results, runs: this.inPlanOrder(), interrupted };
  }

  /** On resume: runs an earlier attempt finished (or ASHA paused or stopped) under this same plan are kept. */
  private keepSettledRuns(): void {
    const { store, display } = this.request;
    for (const config of this.request.runs) {
      const run = this.previous.get(config.id);
      // Gone on from its last rung (asha.json): it was training, or about to, when interrupted.
      const goingOn = this.asha?.goingOn(config.id) === true;
      if (!isSettled(run)) {
        if (run && (run.history.loss.length > 0 || goingOn)) this.carriedOver.add(config.id);
        continue;
      }
      const mismatch = differenceFromPlan(run!, config, this.data);
      if (mismatch !== null) {
        display.log(
          `[${config.id}] the ${run!.status} run in ${store.runPath(config.id)} ${mismatch}; training it again`,
        );
        continue;
      }
      // Its file says paused, asha.json that it was promoted since: the interruption came before it trained on.
      if (isPaused(run) && goingOn) this.carriedOver.add(config.id);
      else this.done.set(config.id, run!);
    }
  }

  /**
   * The runs left, in the order they start. Under ASHA, runs an earlier attempt left
   * part-trained come first: they held slots then, and resuming them first replays that order.
   */
  private plan(): Planned[] {
    const pending = this.request.runs.filter((r) => !this.done.has(r.id));
    const { trainSize, scheduler, cost } = this.request;
    const asha = scheduler !== undefined;
    const order = startOrder(pending, { trainSize, asha, cost });
    if (!asha) return order;
    return [
      ...order.filter((p) => this.carriedOver.has(p.config.id)),
      ...order.filter((p) => !this.carriedOver.has(p.config.id)),
    ];
  }

  /** A new promise for idle slots to wait on; `wake` settles the current one. */
  private rearm(): void {
    this.changed = new Promise((resolve) => {
      this.wake = () => {
        this.rearm();
        resolve();
      };
    });
  }

  /**
   * The next work for a slot (ASHA's get_job): a run carried over from an earlier attempt, else a
   * paused run to promote, else the next run to start.
   */
  private nextJob(queue: Planned[]): Planned | undefined {
    if (queue[0] && this.carriedOver.has(queue[0].config.id)) return queue.shift();
    const promoted = this.asha?.promote();
    if (promoted === undefined) return queue.shift();
    const config = this.request.runs.find((r) => r.id === promoted)!;
    return { config, cost: estimateCost(config, this.request.trainSize, this.request.cost) };
  }

  /** Whether a slot would find work now. */
  private hasWork(queue: Planned[]): boolean {
    return queue.length > 0 || this.asha?.hasPromotion() === true;
  }

  /**
   * One of `concurrency` slots: takes work until none is left or the sweep is aborted. Under
   * ASHA a slot with nothing to do waits while other runs train, its cores lent to them meanwhile.
   */
  private async slot(queue: Planned[]): Promise<void> {
    const { executor, signal } = this.request;
    // While this slot has nothing to train, its cores may go to the runs still training.
    let released = false;
    const release = () => {
      if (!released && !signal.aborted) executor.releaseSlot?.();
      released = true;
    };
    while (!signal.aborted) {
      const next = this.nextJob(queue);
      if (!next) {
        if (!this.asha || this.running === 0) break;
        release();
        await this.changed;
        continue;
      }
      if (released) executor.claimSlot?.();
      released = false;
      this.running++;
      try {
        await this.train(next);
      } finally {
        this.running--;
        this.wake();
      }
      if (!this.hasWork(queue)) release();
      await this.aggregate('running');
    }
    release();
  }

  /** Trains one run and records its result, whatever happens to it. */
  private async train({ config, cost }: Planned): Promise<void> {
    const { executor, display, store, signal } = this.request;
    // A paused run promoted now: its result so far, whose time the new segment adds to.
    const before = this.done.get(config.id);
    display.runStarted(config.id, cost);
    let result: RunResult;
    try {
      result = await executor.run(config, {
        checkpointDir: store.checkpointDir(config.id),
        modelDir: this.request.saveModels ? store.modelDir(config.id) : undefined,
        onProgress: (p) => display.update(p),
        signal,
        shouldStop: this.asha?.shouldStop(config.id, () => this.wake()),
        rungs: this.asha?.rungsFor(config.id),
      });
    } catch (error) {
      // Executors report failures as results; this is a bug or a lost connection.
      result = placeholder(config, 'failed', `executor error: ${errorMessage(error)}`);
    }
    this.samplesTrained += samplesSince(result, this.startedAt.getTime());
    result = { ...result, data: this.data };
    if (isPaused(before)) result = { ...result, timing: joinTiming(before!, result) };
    store.writeRun(result);
    this.done.set(config.id, result);
    display.runEnded(result);
  }

  /**
   * After an interruption: runs that did not start are listed in results.json (written once), not
   * each in a file of its own — a big plan interrupted early would otherwise write a file per run.
   */
  private markNotFinished(): void {
    for (const config of this.request.runs) {
      if (this.done.has(config.id)) continue;
      const before = this.previous.get(config.id);
      this.done.set(
        config.id,
        before && !isSettled(before)
          ? { ...before, status: 'interrupted' }
          : placeholder(config, 'interrupted', 'not started: the sweep was interrupted'),
      );
    }
  }

  private inPlanOrder(): RunResult[] {
    return this.request.runs.map((c) => this.done.get(c.id)).filter((r): r is RunResult => r !== undefined);
  }

  private meta(status: SweepMeta['status']): SweepMeta {
    const wallSeconds = (performance.now() - this.started) / 1000;
    return {
      status,
      startedAt: this.startedAt.toISOString(),
      finishedAt: status === 'running' ? null : new Date().toISOString(),
      wallSeconds,
      ...this.request.meta,
      concurrency: this.request.concurrency,
      samplesPerSecond: wallSeconds > 0 ? this.samplesTrained / wallSeconds : 0,
      environment: this.environment,
    };
  }

  /**
   * Rewrites results.json/csv and history.csv; the report is about 1 MB (the vega runtime is
   * inlined; the browser draws the charts), so mid-sweep it is rewritten at most every
   * REPORT_INTERVAL_MS, and the last aggregation always writes it.
   */
  private aggregate(status: SweepMeta['status']): Promise<ResultsFile | undefined> {
    const { request } = this;
    this.aggregation = this.aggregation.then(async () => {
      const search = request.search ? searchRecord(request.search, request.scheduler) : undefined;
      const results = request.store.writeResults(this.meta(status), this.inPlanOrder(), search);
      const due = status !== 'running' || performance.now() - this.lastReport >= REPORT_INTERVAL_MS;
      if (request.writeReport !== false && due) {
        this.lastReport = performance.now();
        try {
          request.store.writeReport(await renderReport(results));
        } catch (error) {
          request.display.log(`report.html could not be written: ${errorMessage(error)}`);
        }
      }
      return results;
    });
    return this.aggregation;
  }
}

/** Why a recorded run does not belong to this plan (its config or data differ), or null when it does. */
export function differenceFromPlan(run: RunResult, config: RunConfig, data: DataSettings): string | null {
  for (const key of Object.keys(config) as (keyof RunConfig)[]) {
    if (!isDeepStrictEqual(run.config[key], config[key])) {
      return `has ${key} ${describe(run.config[key])} where the plan has ${describe(config[key])}`;
    }
  }
  if (run.data === undefined) return 'does not record its data settings';
  for (const key of Object.keys(data) as (keyof DataSettings)[]) {
    if (run.data[key] !== data[key]) {
      return `was trained with ${key} ${describe(run.data[key])} where the plan has ${describe(data[key])}`;
    }
  }
  return null;
}

/** A result for a run that never trained. */
export function placeholder(config: RunConfig, status: RunResult['status'], error: string): RunResult {
  const now = new Date().toISOString();
  // BatchNormalization's moving mean and variance: 2 per unit, output included.
  const nonTrainable = config.batchNorm ? 2 * (config.hidden.reduce((a, b) => a + b, 0) + 10) : 0;
  return {
    id: config.id,
    configId: config.configId,
    config,
    status,
    error,
    architecture: describeArchitecture(config),
    params: countParams(config),
    trainableParams: countParams(config) - nonTrainable,
    nonTrainableParams: nonTrainable,
    summary: '',
    history: { loss: [], accuracy: [], val_loss: [], val_accuracy: [], seconds: [], workers: [] },
    final: null,
    timing: { startedAt: now, finishedAt: now, wallSeconds: 0, samplesPerSecond: 0 },
    backend: '',
    workers: 0,
    resumedFromEpoch: 0,
    trainSize: 0,
  };
}

/**
 * The samples a run trained while this sweep process ran, for its samples/s. A resumed --queue
 * coordinator also collects runs its workers trained while it was away: its wall time does not
 * cover them (it once reported millions of samples/s).
 */
function samplesSince(result: RunResult, since: number): number {
  const samples = (result.history.loss.length - result.resumedFromEpoch) * result.trainSize;
  const start = Date.parse(result.timing.startedAt);
  const end = Date.parse(result.timing.finishedAt);
  if (!(end > start) || start >= since) return samples;
  return samples * Math.min(1, Math.max(0, (end - since) / (end - start)));
}
