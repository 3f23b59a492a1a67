import type { RunResult } from '../executor.js';
import type { SearchRecord } from './search-plan.js';

/**
 * One line on what ASHA saved: `ASHA (r = 1, η = 3, rungs at epochs 1, 3): 24 of 27 runs stopped
 * (18 at epoch 1, 6 at epoch 3); 63 of the 243 epochs a full sweep trains (26 %); 12 promotions
 * (3 on arrival, 9 of paused runs, resumed from their checkpoints).`
 */
export function ashaSummary(search: SearchRecord, runs: RunResult[]): string {
  const asha = search.asha!;
  const stopped = runs.filter((r) => r.status === 'stopped');
  const byRung = search.rungs
    .map((rung) => [rung, stopped.filter((r) => r.stoppedBy?.rung === rung).length] as const)
    .filter(([, n]) => n > 0)
    .map(([rung, n]) => `${n} at epoch ${rung}`);
  const trained = runs.reduce((n, r) => n + r.history.loss.length, 0);
  const full = runs.reduce((n, r) => n + r.config.epochs, 0);
  const share = full > 0 ? ` (${Math.round((100 * trained) / full)} %)` : '';
  const inPlace = search.decisions.filter((d) => d.decision === 'continue').length;
  const later = search.decisions.filter((d) => d.decision === 'promote').length;
  return (
    `ASHA (r = ${asha.gracePeriod}, η = ${asha.reductionFactor}, rungs at epochs ${search.rungs.join(', ')}): ` +
    `${stopped.length} of ${runs.length} runs stopped${byRung.length > 0 ? ` (${byRung.join(', ')})` : ''}; ` +
    `${trained} of the ${full} epochs a full sweep trains${share}; ` +
    `${inPlace + later} promotion${inPlace + later === 1 ? '' : 's'} (${inPlace} on arrival, ${later} of paused runs, resumed from their checkpoints).`
  );
}
