import { defaultAxis } from '../report/curves.js';
import { reportData } from '../report/report-data.js';
import { renderReport } from '../report/render-report.js';
import type { ResultsFile } from '../results-store.js';
import { LIVE_CLIENT_SCRIPT } from './live-client.js';

// The one place the dashboard meets the report module: the report page with the live script
// added, and the data object its `window.fnnReport.render(data)` draws.

export function livePage(results: ResultsFile): Promise<string> {
  return renderReport(results, { extraScript: LIVE_CLIENT_SCRIPT });
}

/** The report data, with the x-axis chosen from every planned run (the results hold only those started). */
export function liveData(results: ResultsFile, plannedEpochs: number[]): unknown {
  const data = reportData(results);
  return {
    ...data,
    curves: { ...data.curves, defaultX: defaultAxis([...plannedEpochs, ...results.runs.map((r) => r.config.epochs)]) },
  };
}
