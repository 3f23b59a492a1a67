// The README's screenshots of a sweep's report, after `npx turbo run build`:
//   node apps/sweep/test-support/screenshot-report.mjs <out>/results.json <file.png> [height]
// draws the report from results.json with this build's renderReport, opens it in real headless
// Chromium (Debian's) with the network cut off, and waits until the page script has drawn every chart.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { renderReport } from '../dist/index.js';

const [resultsPath, out, height = '1400'] = process.argv.slice(2);
if (!resultsPath || !out) {
  process.stderr.write('usage: screenshot-report.mjs <results.json> <out.png> [height]\n');
  process.exit(2);
}
const path = `${out}.html`;
writeFileSync(path, await renderReport(JSON.parse(readFileSync(resultsPath, 'utf8'))));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: Number(height) } });
  const url = pathToFileURL(path).href;
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url);
  await page.waitForSelector('html[data-fnn-rendered]', { state: 'attached', timeout: 60_000 });
  await page.screenshot({ path: out });
} finally {
  await browser.close();
}
