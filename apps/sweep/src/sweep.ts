import { isDeepStrictEqual } from 'node:util';
import { describe, errorMessage } from './errors.js';
import { isSettled, type DataSettings, type RunExecutor, type RunResult } from './executor.js';
import type { ProgressDisplay } from './progress.js';
import { collectEnvironment } from './environment.js';
import { renderReport } from './report/render-report.js';
import { ResultsStore, type ResultsFile, type SweepMeta } from './results-store.js';
import { describeArchitecture, type RunConfig } from './run-config.js';
import { countParams, estimateCost, longestFirst } from './schedule.js';
import { describeDecision, type AshaScheduler } from './search/asha.js';
import { saveAshaState, searchRecord, type SearchPlan } from './search/search-plan.js';

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
  /** The plan's data settings: recorded with every run, and on resume a run is kept only if they match. */
  data?: DataSettings;
  /** Draw report.html (default true); tests of scheduling turn it off to stay fast. */
  writeReport?: boolean;
  meta: Pick<SweepMeta, 'backend' | 'cores' | 'workersPerRun' | 'data'>;
  /** dataFingerprint() of the data the runs train on, recorded for reproducibility. */
  dataFingerprint?: string;
  /** How the runs were chosen (recorded in results.json). */
  search?: SearchPlan | null;
  /** ASHA: asked at every epoch end whether the run goes on; its decisions are saved as they are made. */
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
 */
export async function runSweep(request: SweepRequest): Promise<SweepOutcome> {
  const { store, executor, display, signal } = request;
  const startedAt = new Date();
  const started = performance.now();
  const done = new Map<string, RunResult>();
  const data: DataSettings = request.data ?? { dataDir: null, limitTrain: null, limitEval: null };
  // On resume, what earlier attempts recorded (read once, checked as untrusted input).
  const previous = request.resume ? store.readRuns(request.runs.map((r) => r.id)) : new Map<string, RunResult>();
  for (const config of request.runs) {
    const run = previous.get(config.id);
    // Finished, or stopped by ASHA: nothing left to train.
    if (!isSettled(run)) continue;
    const mismatch = differenceFromPlan(run!, config, data);
    if (mismatch === null) done.set(config.id, run!);
    else
      display.log(
        `[${config.id}] the ${run!.status} run in ${store.runPath(config.id)} ${mismatch}; training it again`,
      );
  }
  const { scheduler } = request;
  const pending = request.runs
    .filter((r) => !done.has(r.id))
    .map((config) => ({ config, cost: estimateCost(config, request.trainSize) }));
  // With ASHA the runs start in the caller's order (a grid's is shuffled, see ashaStartOrder):
  // longest first would let the widest models set every rung's bar.
  const todo = scheduler ? pending : longestFirst(pending);
  const shouldStop = (id: string) =>
    scheduler
      ? (epoch: number, metrics: { val_accuracy: number; val_loss: number }) => {
          const known = scheduler.decisions.length;
          const decision = scheduler.onEpochEnd(id, epoch, metrics);
          if (decision && scheduler.decisions.length > known) {
            saveAshaState(store.dir, scheduler);
            // A stop is reported when the run ends (its end line); a promotion here.
            if (decision.decision === 'continue') display.log(`[${id}] ${describeDecision(decision)}`);
          }
          return decision?.decision === 'stop' ? decision : null;
        }
      : undefined;
  for (const [id, run] of done) display.log(`[${id}] already ${run.status} in ${store.dir}, skipped`);

  let samplesTrained = 0;
  // Reproducibility metadata, gathered once (git is asked with a time limit).
  const environment = collectEnvironment({
    backend: request.meta.backend,
    seeds: request.runs.map((r) => r.seed),
    dataFingerprint: request.dataFingerprint,
  });
  const meta = (status: SweepMeta['status']): SweepMeta => {
    const wallSeconds = (performance.now() - started) / 1000;
    return {
      status,
      startedAt: startedAt.toISOString(),
      finishedAt: status === 'running' ? null : new Date().toISOString(),
      wallSeconds,
      ...request.meta,
      concurrency: request.concurrency,
      samplesPerSecond: wallSeconds > 0 ? samplesTrained / wallSeconds : 0,
      environment,
    };
  };
  const inPlanOrder = () => request.runs.map((c) => done.get(c.id)).filter((r): r is RunResult => r !== undefined);

  // Aggregation is serialized: runs ending together must not write the same files at once.
  // The report is about 1 MB (the vega runtime is inlined; the browser draws the charts), so
  // mid-sweep it is rewritten at most every REPORT_INTERVAL_MS; the last aggregation always writes it.
  let aggregation: Promise<ResultsFile | undefined> = Promise.resolve(undefined);
  let lastReport = -Infinity;
  const aggregate = (status: SweepMeta['status']) => {
    aggregation = aggregation.then(async () => {
      const search = request.search ? searchRecord(request.search, scheduler) : undefined;
      const results = store.writeResults(meta(status), inPlanOrder(), search);
      if (
        request.writeReport !== false &&
        (status !== 'running' || performance.now() - lastReport >= REPORT_INTERVAL_MS)
      ) {
        lastReport = performance.now();
        try {
          store.writeReport(await renderReport(results));
        } catch (error) {
          display.log(`report.html could not be written: ${errorMessage(error)}`);
        }
      }
      return results;
    });
    return aggregation;
  };

  const queue = [...todo];
  const slot = async () => {
    // Once this slot has nothing left to start, its cores may go to the runs still training.
    let released = false;
    const release = () => {
      if (!released && !signal.aborted) executor.releaseSlot?.();
      released = true;
    };
    for (let next = queue.shift(); next && !signal.aborted; next = queue.shift()) {
      const { config, cost } = next;
      display.runStarted(config.id, cost);
      let result: RunResult;
      try {
        result = await executor.run(config, {
          checkpointDir: store.checkpointDir(config.id),
          modelDir: request.saveModels ? store.modelDir(config.id) : undefined,
          onProgress: (p) => display.update(p),
          signal,
          shouldStop: shouldStop(config.id),
        });
      } catch (error) {
        // Executors report failures as results; this is a bug or a lost connection.
        result = placeholder(config, 'failed', `executor error: ${errorMessage(error)}`);
      }
      samplesTrained += (result.history.loss.length - result.resumedFromEpoch) * result.trainSize;
      result = { ...result, data };
      store.writeRun(result);
      done.set(config.id, result);
      display.runEnded(result);
      if (queue.length === 0) release();
      await aggregate('running');
    }
    release();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(request.concurrency, todo.length)) }, slot));

  const interrupted = signal.aborted && request.runs.some((c) => !isSettled(done.get(c.id)));
  if (interrupted) {
    // Runs that did not start are listed in results.json (written once, below), not each in a
    // file of its own: a big plan interrupted early would otherwise write a file per run.
    for (const config of request.runs) {
      if (done.has(config.id)) continue;
      const before = previous.get(config.id);
      done.set(
        config.id,
        before && !isSettled(before)
          ? { ...before, status: 'interrupted' }
          : placeholder(config, 'interrupted', 'not started: the sweep was interrupted'),
      );
    }
  }
  const results = (await aggregate(interrupted ? 'interrupted' : 'finished'))!;
  return { results, runs: inPlanOrder(), interrupted };
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
