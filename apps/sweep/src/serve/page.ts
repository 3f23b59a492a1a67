import { reportData } from '../report/report-data.js';
import { renderReport } from '../report/render-report.js';
import type { ResultsFile } from '../results-store.js';
import { LIVE_CLIENT_SCRIPT } from './live-client.js';

// The one place the dashboard meets the report module: the report page with the live script
// added, and the data object its `window.fnnReport.render(data)` draws.

export function livePage(results: ResultsFile): Promise<string> {
  return renderReport(results, { extraScript: LIVE_CLIENT_SCRIPT });
}

export function liveData(results: ResultsFile): unknown {
  return reportData(results);
}
