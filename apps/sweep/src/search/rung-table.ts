import type { SearchRecord } from './search-plan.js';

/**
 * How ASHA decides, in one paragraph: the report shows it above its table of rung decisions
 * (drawn by the page's script from the report data).
 */
export function ashaIntro(search: SearchRecord): string {
  if (!search.asha) return '';
  const { gracePeriod, reductionFactor, metric, mode } = search.asha;
  return (
    `Rungs at epoch ${search.rungs.join(', ')} (r = ${gracePeriod}, η = ${reductionFactor}). At a rung a run goes on ` +
    `only if its ${metric} (${mode === 'max' ? 'higher' : 'lower'} is better) is at least the cut-off: the ⌈n/${reductionFactor}⌉-th best ` +
    'of the n results recorded there so far, its own included.'
  );
}
