// The README's screenshots of a sweep's report, after `npx turbo run build`:
//   node apps/sweep/test-support/screenshot-report.mjs <out>/results.json <file.png> [height] [top]
// draws the report from results.json with this build's renderReport, opens it in real headless
// Chromium (Debian's) with the network cut off, and waits until the page script has drawn every chart.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { renderReport } from '../dist/index.js';

const [resultsPath, out, height = '1400', top = '0'] = process.argv.slice(2);
if (!resultsPath || !out) {
  process.stderr.write('usage: screenshot-report.mjs <results.json> <out.png> [height] [top]\n');
  process.exit(2);
}
// The page goes to a temporary folder, not next to the PNG.
const path = join(mkdtempSync(join(tmpdir(), 'fnn-screenshot-')), 'report.html');
writeFileSync(path, await renderReport(JSON.parse(readFileSync(resultsPath, 'utf8'))));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: Number(height) } });
  const url = pathToFileURL(path).href;
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url);
  await page.waitForSelector('html[data-fnn-rendered]', { state: 'attached', timeout: 60_000 });
  // The part of the page from `top` (CSS pixels) down, `height` high.
  const size = { width: 1280, height: Number(height) };
  await page.setViewportSize({ width: size.width, height: Number(top) + size.height });
  await page.screenshot({ path: out, clip: { x: 0, y: Number(top), ...size } });
} finally {
  await browser.close();
}
