import { totalmem } from 'node:os';
import type { SweepSettings } from './options.js';
import type { ResultsStore } from './results-store.js';
import { planSlots, type CostSettings, type SlotPlan } from './schedule.js';
import { backendSpeed } from './speed.js';
import { AshaScheduler } from './search/asha.js';
import { restoreAshaScheduler, type SearchPlan } from './search/search-plan.js';
import type { SweepData } from './sweep-data.js';

export type DataOptions = { dataDir: string | null; limitTrain: number | null; limitEval: number | null };

/** What a sweep trains, on what, and how it shares the cores: from the options, or from the folder on --resume. */
export interface SweepSetup {
  runs: SweepSettings['runs'];
  dataOptions: DataOptions;
  /** How the runs were chosen, and ASHA deciding at epoch ends (--scheduler asha). */
  search: SearchPlan | null;
  scheduler: AshaScheduler | undefined;
  /** What was asked ('auto' included; on --resume, what the sweep started on): workers resolve it themselves. */
  backendRequest: string;
  backendNote: string;
  slots: SlotPlan;
  data: SweepData;
}

/** Reads the plan (on --resume), restores ASHA's rungs, plans the slots and loads the data; throws ConfigError. */
export async function prepareSweep(settings: SweepSettings, store: ResultsStore, cores: number): Promise<SweepSetup> {
  const setup = settings.resume ? resumedSetup(settings, store) : freshSetup(settings);
  const slots = settings.inProcess
    ? { concurrency: 1, workersPerRun: 1 }
    : planSlots({
        cores,
        runs: setup.runs.length,
        concurrency: settings.concurrency,
        workersPerRun: settings.workersPerRun,
        oversubscribe: settings.oversubscribe,
        totalMemory: totalmem(),
      });
  // Loaded only now: --help, --version and a refused option answer without reading MNIST.
  const { loadSweepData } = await import('./sweep-data.js');
  return { ...setup, slots, data: loadSweepData(setup.dataOptions) };
}

type PlannedSetup = Omit<SweepSetup, 'slots' | 'data'>;

function freshSetup(settings: SweepSettings): PlannedSetup {
  const { search } = settings;
  return {
    runs: settings.runs,
    dataOptions: { dataDir: settings.dataDir, limitTrain: settings.limitTrain, limitEval: settings.limitEval },
    search,
    scheduler: search?.asha ? new AshaScheduler(search.asha) : undefined,
    backendRequest: settings.backend,
    backendNote: '',
  };
}

/** --resume: the plan in sweep.json, on the backend the sweep started on unless --backend is given again. */
function resumedSetup(settings: SweepSettings, store: ResultsStore): PlannedSetup {
  const plan = store.readPlan();
  let backendRequest: string = settings.backend;
  let backendNote = '';
  if (plan.backend !== undefined && !settings.backendGiven) {
    backendRequest = plan.backend;
    backendNote = ' (as the sweep started)';
  } else if (plan.backend !== undefined && plan.backend !== settings.backend) {
    backendNote = ` (--backend given; the sweep started on ${plan.backend})`;
  }
  const search = plan.search ?? null;
  return {
    runs: plan.runs,
    dataOptions: { dataDir: plan.dataDir, limitTrain: plan.limitTrain, limitEval: plan.limitEval },
    search,
    // The same trials (sweep.json) and the rung decisions made so far (asha.json).
    scheduler: search?.asha ? restoreAshaScheduler(store.dir, search.asha) : undefined,
    backendRequest,
    backendNote,
  };
}

/** What the cost estimates of this sweep's runs assume: its data's shape and `backend`'s measured speed. */
export function costSettings(setup: Pick<SweepSetup, 'data'>, backend: string): CostSettings {
  return { inputSize: setup.data.inputSize, classes: setup.data.classes, speed: backendSpeed(backend) };
}
