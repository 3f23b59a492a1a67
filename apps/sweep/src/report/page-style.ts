import { html } from '../html.js';

/** The report's stylesheet (author markup: no value from a results file is in it). */
export const PAGE_STYLE = html`<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem 2rem; color: #222; max-width: 1400px; }
h1 { margin: 0 0 0.3rem; }
h2 { margin: 1.6rem 0 0.5rem; font-size: 1.2rem; }
header p { margin: 0.25rem 0; }
header .headline { font-size: 1.1rem; font-weight: 600; }
header.state-failed .headline, header.state-interrupted .headline { color: #b00020; }
header.state-running .headline { color: #8a6d00; }
.facts { color: #555; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.configurations td.num { white-space: nowrap; }
th button.sort { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; }
tr.winner td { background: #eaf6e8; }
tr.winner td.run-id { font-weight: 600; }
.star { color: #2e7d32; }
.why { font-size: 0.85em; color: #b00020; max-width: 32rem; white-space: pre-wrap; }
tr.status-stopped td, tr.status-stopped .why { color: #777; }
.badge { display: inline-block; padding: 0 0.4rem; border-radius: 0.6rem; font-size: 0.85em; background: #e8eef7; }
.status-failed .badge, .status-interrupted .badge { background: #fde2e4; color: #b00020; }
.status-stopped .badge { background: #eee; color: #666; }
.status-finished .badge { background: #e3f3e1; color: #2e7d32; }
.problems { border: 1px solid #f3b3bb; background: #fff5f6; padding: 0.5rem 1rem; margin: 1rem 0; border-radius: 4px; }
.problems h2 { margin-top: 0.3rem; color: #b00020; }
.problems code { white-space: pre-wrap; }
.note { color: #555; margin: 0.2rem 0 0.5rem; }
.legend { display: flex; flex-wrap: wrap; gap: 0.35rem; margin: 0.5rem 0; }
.legend button.key { display: inline-flex; align-items: center; gap: 0.3rem; font: inherit; font-size: 0.9em; padding: 0.15rem 0.5rem; border: 1px solid #ccc; border-radius: 4px; background: white; cursor: pointer; }
.legend button.key[aria-pressed="false"] { opacity: 0.4; text-decoration: line-through; }
.legend button.key.stopped { color: #777; }
.legend button.every { font: inherit; font-size: 0.85em; padding: 0.15rem 0.5rem; border: 1px dashed #bbb; border-radius: 4px; background: #fafafa; cursor: pointer; }
fieldset.x-axis { border: 0; padding: 0; margin: 0.3rem 0; display: flex; gap: 1rem; align-items: center; }
fieldset.x-axis legend { float: left; font-weight: 600; margin-right: 0.5rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 0.5rem 1rem; }
figure { margin: 0; }
/* Room for the chart before vega draws it: a redraw (a live page) keeps the layout and scroll. */
figure.chart .view { min-height: 292px; }
figure.knobs .view { min-height: 230px; }
figure.confusion .view { min-height: 400px; }
.status-running .badge { background: #fff4d6; color: #8a6d00; }
pre { background: #f6f6f6; padding: 0.75rem; overflow-x: auto; font-size: 12px; }
details.run { margin: 0.3rem 0; }
details.run summary { cursor: pointer; }
table.environment th { width: 14rem; }
table.environment code { white-space: pre-wrap; word-break: break-all; }
#vg-tooltip-element { font-size: 12px; }
</style>`;
