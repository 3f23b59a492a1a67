import type { SweepSettings } from './options.js';
import { formatDuration } from './progress.js';
import type { AshaScheduler } from './search/asha.js';
import { describeTrial } from './search/sample.js';
import type { SearchPlan } from './search/search-plan.js';

export interface DryRunPlan {
  /** The runs in start order with their estimated single-core seconds. */
  order: { config: SweepSettings['runs'][number]; cost: number }[];
  /** How the runs would share the machine (or the queue). */
  mode: string;
  backend: string;
  search: SearchPlan | null;
  scheduler: AshaScheduler | undefined;
}

/** --dry-run: the start order with each run's estimated time, and ASHA's rungs when it decides. */
export function printDryRun({ order, mode, backend, search, scheduler }: DryRunPlan): void {
  const how = scheduler
    ? 'plan order, estimated single-core time if never stopped'
    : 'longest first, estimated single-core time';
  process.stdout.write(`${order.length} runs, ${mode}; start order (${how} on ${backend}):\n`);
  for (const { config, cost } of order)
    process.stdout.write(
      `  ${config.id.padEnd(24)} ${String(config.epochs).padStart(3)} epochs  ~${formatDuration(cost)}` +
        `${search?.strategy === 'random' ? `  ${describeTrial(config)}` : ''}\n`,
    );
  if (scheduler) {
    const { gracePeriod, reductionFactor, metric, mode: better } = scheduler.settings;
    process.stdout.write(
      `ASHA: rungs at epoch ${scheduler.rungs.join(', ')} (r = ${gracePeriod}, η = ${reductionFactor}); a run pauses at each rung and is promoted when its ${metric} (${better}) is in the top ⌊n/${reductionFactor}⌋ of the n recorded there.\n`,
    );
  }
}
