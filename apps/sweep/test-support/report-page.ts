import type { ReportData } from '../src/report/report-data.js';

/** The data object report.html embeds (its fnn-report-data element), parsed as the page parses it. */
export function embeddedReportData(page: string): ReportData {
  const found = page.match(/<script type="application\/json" id="fnn-report-data">([^<]*)<\/script>/);
  if (!found) throw new Error('report.html has no fnn-report-data element');
  return JSON.parse(found[1]!) as ReportData;
}
