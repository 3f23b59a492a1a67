import { renderReport } from '../report.js';
import type { ResultsFile } from '../results-store.js';
import { LIVE_CLIENT_SCRIPT } from './live-client.js';

// The one place the dashboard meets the report module: the page, with the live script added,
// and the data object its `window.fnnReport.render(data)` draws.

export async function livePage(results: ResultsFile): Promise<string> {
  const page = await renderReport(results);
  return page.replace(/<\/body>/i, `${LIVE_CLIENT_SCRIPT}\n</body>`);
}

export function liveData(results: ResultsFile): unknown {
  return results;
}
