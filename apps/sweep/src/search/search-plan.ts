import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../atomic-write.js';
import { ConfigError, describe } from '../errors.js';
import { AshaScheduler, rungsFor, type AshaSettings, type RungDecision } from './asha.js';

/** How a sweep chose its runs and whether a scheduler stops them: kept in sweep.json for --resume. */
export interface SearchPlan {
  /** `grid`: every combination of the lists; `random`: `trials` draws from the space with `seed`. */
  strategy: 'grid' | 'random';
  trials: number;
  seed: number;
  /** ASHA's settings, or null to train every run to the end. */
  asha: AshaSettings | null;
}

/** What results.json says about the search: the plan, ASHA's rungs and every rung decision. */
export interface SearchRecord extends SearchPlan {
  rungs: number[];
  decisions: RungDecision[];
}

const STATE_FILE = 'asha.json';
/** 2: the promotion form (pause, promote, stop when the search ends); 1 was the stopping form, decided differently. */
const STATE_VERSION = 2;
/** The rung decisions of a thousand-trial search are well under this. */
const MAX_STATE_BYTES = 16 << 20;

export function searchRecord(plan: SearchPlan, scheduler: AshaScheduler | undefined): SearchRecord {
  return {
    ...plan,
    rungs: plan.asha ? rungsFor(plan.asha) : [],
    decisions: scheduler ? [...scheduler.decisions] : [],
  };
}

/** Saves every decision so far (atomically), so an interrupted search resumes with the same rung records. */
export function saveAshaState(dir: string, scheduler: AshaScheduler): void {
  writeJsonAtomic(join(dir, STATE_FILE), {
    version: STATE_VERSION,
    settings: scheduler.settings,
    decisions: scheduler.decisions,
  });
}

/** The scheduler of a sweep being resumed: its settings from sweep.json, its decisions from asha.json. */
export function restoreAshaScheduler(dir: string, settings: AshaSettings): AshaScheduler {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) return new AshaScheduler(settings);
  const size = statSync(path).size;
  if (size > MAX_STATE_BYTES) {
    throw new ConfigError(`--resume ${dir}: ${STATE_FILE} has ${size} bytes; expected at most ${MAX_STATE_BYTES}.`);
  }
  let state: { version?: unknown; settings?: unknown; decisions?: unknown };
  try {
    state = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`--resume ${dir}: ${STATE_FILE} is not valid JSON (${(error as Error).message}).`);
  }
  if (state?.version === 1) {
    throw new ConfigError(
      `--resume ${dir}: ${STATE_FILE} holds version 1 decisions (ASHA's stopping form, of an earlier fnn-sweep); this version promotes paused runs instead and cannot continue them: start the search again.`,
    );
  }
  if (state?.version !== STATE_VERSION || !Array.isArray(state.decisions)) {
    throw new ConfigError(
      `--resume ${dir}: ${STATE_FILE}: expected {"version": ${STATE_VERSION}, "decisions": [...]}, but got ${describe(state)}.`,
    );
  }
  try {
    return new AshaScheduler(settings, state.decisions as RungDecision[]);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`--resume ${dir}: ${STATE_FILE}: ${error.message}`);
    throw error;
  }
}

/** Checks the search part of a sweep.json (untrusted, like every file). */
export function checkSearchPlan(value: unknown, where: string): SearchPlan {
  const p = value as Partial<SearchPlan> | null;
  const ok =
    p !== null &&
    typeof p === 'object' &&
    (p.strategy === 'grid' || p.strategy === 'random') &&
    Number.isSafeInteger(p.trials) &&
    Number.isSafeInteger(p.seed) &&
    (p.asha === null || (typeof p.asha === 'object' && !Array.isArray(p.asha)));
  if (!ok) {
    throw new ConfigError(
      `${where}: expected {strategy: "grid" | "random", trials, seed, asha: settings or null}, but got ${describe(value)}.`,
    );
  }
  if (p.asha) {
    try {
      new AshaScheduler(p.asha);
    } catch (error) {
      throw new ConfigError(`${where}.asha: ${(error as Error).message}`);
    }
  }
  return p as SearchPlan;
}
