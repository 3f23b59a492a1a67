import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
import { readBoundedJson } from './bounded-read.js';
import { compare, findWinner, type ComparisonRow, type Winner } from './comparison.js';
import { historyToCsv, resultsToCsv } from './csv.js';
import type { SweepEnvironment } from './environment.js';
import { ConfigError, describe, errorMessage } from './errors.js';
import type { DataSettings, RunResult } from './executor.js';
import { MAX_JSON_FILE_BYTES, MAX_RUNS } from './limits.js';
import { readRunFile } from './run-file.js';
import { validateRunConfig, type RunConfig } from './run-config.js';
import { checkSearchPlan, type SearchPlan, type SearchRecord } from './search/search-plan.js';

/** What a sweep was asked to do: written first, so `--resume` knows the runs and settings. */
export interface SweepPlan extends DataSettings {
  version: 1;
  createdAt: string;
  runs: RunConfig[];
  /** The backend the sweep started on (resolved, e.g. 'native' for 'auto'): --resume trains on it too. */
  backend?: string;
  /** How the runs were chosen and ASHA's settings (absent for a plain sweep). */
  search?: SearchPlan | null;
}

export interface SweepMeta {
  status: 'finished' | 'interrupted' | 'running';
  startedAt: string;
  finishedAt: string | null;
  wallSeconds: number;
  backend: string;
  cores: number;
  concurrency: number;
  workersPerRun: number;
  /** Training samples processed by all runs of this invocation, per second of sweep wall time. */
  samplesPerSecond: number;
  /** Where the images came from and the split sizes. */
  data?: string;
  /** Command line, git commit, versions, machine, seeds, data fingerprint (absent before schema 2). */
  environment?: SweepEnvironment;
}

/**
 * results.json's layout version: 2 added `schemaVersion` itself and `sweep.environment`. A file
 * without it is version 1 (same fields, no environment); readers accept both.
 */
export const RESULTS_SCHEMA_VERSION = 2;

export interface ResultsFile {
  /** Absent in files written before it existed (read them as version 1). */
  schemaVersion?: number;
  sweep: SweepMeta;
  comparison: ComparisonRow[];
  winner: Winner | null;
  runs: RunResult[];
  /** The search's plan, ASHA's rungs and every rung decision (trial, rung, metric, cut-off). */
  search?: SearchRecord;
}

/**
 * The output folder:
 *   sweep.json              the plan (run configs, data settings)
 *   runs/<id>.json          each run, written atomically the moment it ends
 *   checkpoints/<id>/       the last finished epoch of a run in progress
 *   models/<id>/            trained models (--save-models), tfjs-layers format
 *   results.json|csv, history.csv, report.html   re-aggregated after every run
 */
export class ResultsStore {
  constructor(readonly dir: string) {}

  get planPath(): string {
    return join(this.dir, 'sweep.json');
  }

  runPath(id: string): string {
    return join(this.dir, 'runs', `${id}.json`);
  }

  checkpointDir(id: string): string {
    return join(this.dir, 'checkpoints', id);
  }

  modelDir(id: string): string {
    return join(this.dir, 'models', id);
  }

  writePlan(plan: SweepPlan): void {
    writeJsonAtomic(this.planPath, plan);
  }

  readPlan(): SweepPlan {
    if (!existsSync(this.planPath)) {
      throw new ConfigError(
        `--resume ${this.dir}: no sweep.json there; expected the output folder of an earlier sweep.`,
      );
    }
    let plan: SweepPlan;
    try {
      plan = readBoundedJson(this.planPath, MAX_JSON_FILE_BYTES) as SweepPlan;
    } catch (error) {
      throw new ConfigError(`--resume ${this.dir}: sweep.json: ${errorMessage(error)}.`);
    }
    if (plan === null || typeof plan !== 'object' || plan.version !== 1 || !Array.isArray(plan.runs)) {
      throw new ConfigError(
        `--resume ${this.dir}: sweep.json is not a sweep plan (expected version 1 with a runs list).`,
      );
    }
    const where = `--resume ${this.dir}: sweep.json`;
    if (plan.runs.length === 0 || plan.runs.length > MAX_RUNS) {
      throw new ConfigError(`${where}: expected 1 to ${MAX_RUNS} runs, but got ${plan.runs.length}.`);
    }
    const ids = new Set<string>();
    plan.runs.forEach((r, i) => {
      validateRunConfig(r, `${where} runs[${i}]`);
      if (ids.has(r.id)) throw new ConfigError(`${where} runs[${i}].id: ${describe(r.id)} appears twice.`);
      ids.add(r.id);
    });
    if (plan.dataDir !== null && typeof plan.dataDir !== 'string') {
      throw new ConfigError(`${where}: dataDir: expected a folder or null, but got ${describe(plan.dataDir)}.`);
    }
    for (const key of ['limitTrain', 'limitEval'] as const) {
      const n = plan[key];
      if (n !== null && !(typeof n === 'number' && Number.isSafeInteger(n) && n >= 1)) {
        throw new ConfigError(`${where}: ${key}: expected a positive integer or null, but got ${describe(n)}.`);
      }
    }
    if (plan.backend !== undefined && typeof plan.backend !== 'string') {
      throw new ConfigError(`${where}: backend: expected a backend name, but got ${describe(plan.backend)}.`);
    }
    if (plan.search != null) plan.search = checkSearchPlan(plan.search, `${where} search`);
    return plan;
  }

  writeRun(result: RunResult): void {
    writeJsonAtomic(this.runPath(result.id), result);
  }

  /**
   * The recorded runs among `ids` (the plan's: files of other names are not read), each checked
   * as untrusted input; a file that is not a valid run record is a ConfigError naming it.
   */
  readRuns(ids: readonly string[]): Map<string, RunResult> {
    const runs = new Map<string, RunResult>();
    for (const id of ids) {
      const path = this.runPath(id);
      if (existsSync(path)) runs.set(id, readRunFile(path));
    }
    return runs;
  }

  /** Rewrites results.json, results.csv and history.csv from the given runs (in plan order). */
  writeResults(meta: SweepMeta, runs: RunResult[], search?: SearchRecord): ResultsFile {
    const comparison = compare(runs);
    const results: ResultsFile = {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      sweep: meta,
      comparison,
      winner: findWinner(comparison),
      runs,
      ...(search ? { search } : {}),
    };
    writeJsonAtomic(join(this.dir, 'results.json'), results);
    writeFileAtomic(join(this.dir, 'results.csv'), resultsToCsv(runs));
    writeFileAtomic(join(this.dir, 'history.csv'), historyToCsv(runs));
    return results;
  }

  writeReport(html: string): void {
    writeFileAtomic(join(this.dir, 'report.html'), html);
  }
}
