import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
import { compare, findWinner, type ComparisonRow, type Winner } from './comparison.js';
import { resultsToCsv } from './csv.js';
import { ConfigError } from './errors.js';
import type { RunResult } from './executor.js';
import { validateRunConfig, type RunConfig } from './run-config.js';
import { checkSearchPlan, type SearchPlan, type SearchRecord } from './search/search-plan.js';

/** What a sweep was asked to do: written first, so `--resume` knows the runs and settings. */
export interface SweepPlan {
  version: 1;
  createdAt: string;
  runs: RunConfig[];
  /** Data and training settings a resumed sweep must reuse. */
  dataDir: string | null;
  limitTrain: number | null;
  limitEval: number | null;
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
}

export interface ResultsFile {
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
 *   results.json|csv, report.html   re-aggregated after every run
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
      plan = JSON.parse(readFileSync(this.planPath, 'utf8')) as SweepPlan;
    } catch (error) {
      throw new ConfigError(`--resume ${this.dir}: sweep.json is not valid JSON (${(error as Error).message}).`);
    }
    if (plan?.version !== 1 || !Array.isArray(plan.runs)) {
      throw new ConfigError(
        `--resume ${this.dir}: sweep.json is not a sweep plan (expected version 1 with a runs list).`,
      );
    }
    plan.runs.forEach((r, i) => validateRunConfig(r, `sweep.json runs[${i}]`));
    if (plan.search != null) plan.search = checkSearchPlan(plan.search, `--resume ${this.dir}: sweep.json search`);
    return plan;
  }

  writeRun(result: RunResult): void {
    writeJsonAtomic(this.runPath(result.id), result);
  }

  /** Runs recorded so far, by id (unreadable files are skipped: the run is simply redone). */
  readRuns(): Map<string, RunResult> {
    const dir = join(this.dir, 'runs');
    const runs = new Map<string, RunResult>();
    if (!existsSync(dir)) return runs;
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      try {
        const run = JSON.parse(readFileSync(join(dir, name), 'utf8')) as RunResult;
        if (typeof run.id === 'string') runs.set(run.id, run);
      } catch {
        // A file from an older, incompatible version: ignore it.
      }
    }
    return runs;
  }

  /** Rewrites results.json and results.csv from the given runs (in plan order). */
  writeResults(meta: SweepMeta, runs: RunResult[], search?: SearchRecord): ResultsFile {
    const comparison = compare(runs);
    const results: ResultsFile = {
      sweep: meta,
      comparison,
      winner: findWinner(comparison),
      runs,
      ...(search ? { search } : {}),
    };
    writeJsonAtomic(join(this.dir, 'results.json'), results);
    writeFileAtomic(join(this.dir, 'results.csv'), resultsToCsv(runs));
    return results;
  }

  writeReport(html: string): void {
    writeFileAtomic(join(this.dir, 'report.html'), html);
  }
}
