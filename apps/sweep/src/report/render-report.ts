import { html, inlineScript, jsonScript, type SafeHtml } from '../html.js';
import type { ResultsFile } from '../results-store.js';
import { CHARTS_SCRIPT } from './client/charts.js';
import { DOM_SCRIPT } from './client/dom.js';
import { PAGE_SCRIPT } from './client/page.js';
import { STYLE_SCRIPT } from './client/styles.js';
import { TABLE_SCRIPT } from './client/table.js';
import { VIEWS_SCRIPT } from './client/views.js';
import { PAGE_STYLE } from './page-style.js';
import { reportData } from './report-data.js';
import { vendoredScripts } from './vendor.js';

/** The id of the page's data element: `JSON.parse(document.getElementById(REPORT_DATA_ID).textContent)`. */
export const REPORT_DATA_ID = 'fnn-report-data';

export interface ReportOptions {
  /** Markup added at the end of <body>, after the page script (e.g. a live server's update script). */
  extraScript?: SafeHtml;
}

/** The page script: its parts share one scope (an IIFE), so only window.fnnReport is global. */
const CLIENT_SCRIPT = `(() => {
'use strict';
${[DOM_SCRIPT, STYLE_SCRIPT, TABLE_SCRIPT, CHARTS_SCRIPT, VIEWS_SCRIPT, PAGE_SCRIPT].join('\n')}
})();`;

/**
 * report.html: one self-contained page (no network) whose script draws interactive charts with
 * the inlined vega-embed runtime, the runs table, metadata and model summaries from the report
 * data embedded in it (reportData(results)).
 */
export async function renderReport(results: ResultsFile, options: ReportOptions = {}): Promise<string> {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>FNN sweep report</title>
${PAGE_STYLE}
</head>
<body>
<main id="fnn-report"><h1>FNN sweep report</h1><p>Drawing the report…</p></main>
<noscript><p>This report draws its tables and charts with JavaScript (inlined: it needs no network). The raw numbers are in results.json, results.csv and history.csv next to this file.</p></noscript>
${jsonScript(REPORT_DATA_ID, reportData(results))}
${vendoredScripts()}
${inlineScript(CLIENT_SCRIPT, 'report-client')}
${options.extraScript ?? ''}
</body>
</html>
`;
  return page.toString();
}
