// Screenshots of a report.html for the README: node apps/sweep/test-support/screenshot-report.mjs <report.html> <out.png> [height]
// Real headless Chromium (Debian's), network cut off; waits until the page script has drawn every chart.
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [path, out, height = '1400'] = process.argv.slice(2);
if (!path || !out) {
  process.stderr.write('usage: screenshot-report.mjs <report.html> <out.png> [height]\n');
  process.exit(2);
}
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
