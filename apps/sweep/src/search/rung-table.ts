import { escapeHtml } from '../report.js';
import type { SearchRecord } from './search-plan.js';

/** The report's record of ASHA: every rung decision in the order it was made. */
export function rungDecisionsSection(search: SearchRecord): string {
  if (!search.asha) return '';
  const { gracePeriod, reductionFactor, metric, mode } = search.asha;
  const intro =
    `Rungs at epoch ${search.rungs.join(', ')} (r = ${gracePeriod}, η = ${reductionFactor}). At a rung a run goes on ` +
    `only if its ${metric} (${mode === 'max' ? 'higher' : 'lower'} is better) is at least the cut-off: the ⌈n/${reductionFactor}⌉-th best ` +
    'of the n results recorded there so far, its own included.';
  const rows = search.decisions.map((d) => {
    const cells = [
      d.trial,
      String(d.rung),
      d.value.toFixed(4),
      d.cutoff.toFixed(4),
      `${d.rank} of ${d.count}`,
      d.decision === 'stop' ? 'stopped' : 'continued',
    ];
    return `<tr class="${d.decision}">${cells.map((c, i) => `<td${i > 0 && i < 5 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  return `<h2>Early stopping (ASHA)</h2>
<p>${escapeHtml(intro)}</p>
<table class="rungs">
<thead><tr>${['run', 'rung (epoch)', escapeHtml(metric), 'cut-off', 'rank', 'decision'].map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
`;
}
