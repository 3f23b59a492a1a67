import { html, type SafeHtml } from '../html.js';
import type { SearchRecord } from './search-plan.js';

/** The report's record of ASHA: every rung decision in the order it was made. */
export function rungDecisionsSection(search: SearchRecord): SafeHtml {
  if (!search.asha) return html``;
  const { gracePeriod, reductionFactor, metric, mode } = search.asha;
  const intro =
    `Rungs at epoch ${search.rungs.join(', ')} (r = ${gracePeriod}, η = ${reductionFactor}). At a rung a run goes on ` +
    `only if its ${metric} (${mode === 'max' ? 'higher' : 'lower'} is better) is at least the cut-off: the ⌈n/${reductionFactor}⌉-th best ` +
    'of the n results recorded there so far, its own included.';
  const rows = search.decisions.map(
    (
      d,
    ) => html`<tr class="${d.decision}"><td>${d.trial}</td><td class="num">${d.rung}</td><td class="num">${d.value.toFixed(4)}</td><td class="num">${d.cutoff.toFixed(4)}</td><td class="num">${d.rank} of ${d.count}</td><td>${d.decision === 'stop' ? 'stopped' : 'continued'}</td></tr>
`,
  );
  return html`<h2>Early stopping (ASHA)</h2>
<p>${intro}</p>
<table class="rungs">
<thead><tr><th>run</th><th>rung (epoch)</th><th>${metric}</th><th>cut-off</th><th>rank</th><th>decision</th></tr></thead>
<tbody>
${rows}</tbody></table>
`;
}
