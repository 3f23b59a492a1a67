import type { SearchRecord } from './search-plan.js';

/**
 * How ASHA decides, in one paragraph: the report shows it above its table of rung decisions
 * (drawn by the page's script from the report data).
 */
export function ashaIntro(search: SearchRecord): string {
  if (!search.asha) return '';
  const { gracePeriod, reductionFactor, metric, mode } = search.asha;
  return (
    `Rungs at epoch ${search.rungs.join(', ')} (r = ${gracePeriod}, η = ${reductionFactor}). A run reaching a rung is recorded ` +
    `there and pauses; whenever a slot needs work, the best paused run in the top ⌊n/${reductionFactor}⌋ of the n results at a rung ` +
    `(its ${metric}, ${mode === 'max' ? 'higher' : 'lower'} is better; equal values by arrival), highest rung first, is promoted — ` +
    'in place if it has just arrived, else from its checkpoint — and otherwise a new run starts. Runs still paused when ' +
    'nothing is left to train are stopped.'
  );
}
