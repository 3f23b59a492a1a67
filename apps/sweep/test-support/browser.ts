import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium package (installed by .ci/run); the report check skips, saying why, without it. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export interface PageCheck {
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** Every URL the page asked for other than the file itself (a self-contained page asks for none). */
  requests: string[];
  /** Line paths (one per curve) in each chart, by its data-metric. */
  curves: Record<string, number>;
  /** Rows of the comparison table's body. */
  tableRows: number;
  /** Text of the page, as a reader sees it. */
  text: string;
}

/** A local HTML file open in headless Chromium with the network cut off, its errors and requests recorded. */
export interface OpenPage {
  page: Page;
  errors: string[];
  /** Console warnings (vega warns of e.g. an empty scale domain). */
  warnings: string[];
  requests: string[];
}

/** One headless Chromium for a test file: open pages with `open`, close it in afterAll. */
export async function launchChromium(): Promise<{
  open: (path: string) => Promise<OpenPage>;
  close: () => Promise<void>;
}> {
  // Playwright gives the browser a fresh temporary profile (its --user-data-dir) itself.
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const open = async (path: string): Promise<OpenPage> => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    const warnings: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(path).href;
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
      if (m.type() === 'warning') warnings.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/*', (route) => {
      if (route.request().url() !== url) {
        requests.push(route.request().url());
        return route.abort();
      }
      return route.continue();
    });
    await page.goto(url, { waitUntil: 'load' });
    // The page script marks the page once every chart is drawn.
    await page.waitForSelector('html[data-fnn-rendered]', { state: 'attached', timeout: 30_000 });
    return { page, errors, warnings, requests };
  };
  return { open, close: () => browser.close() };
}

/** What a reader sees on the page: curves per chart, table rows, text. */
export async function checkPage(page: Page): Promise<Omit<PageCheck, 'errors' | 'requests'>> {
  const curves = await page.$$eval('figure.chart', (figures) =>
    Object.fromEntries(
      figures.map((f) => [f.getAttribute('data-metric') ?? '?', f.querySelectorAll('g.mark-line path').length]),
    ),
  );
  const tableRows = await page.$$eval('table.comparison tbody tr', (rows) => rows.length);
  // biome-ignore lint/performance/useDomNodeTextContent: the test reads what a reader sees (rendered text, not script or style source)
  const text = await page.innerText('body');
  return { curves, tableRows, text };
}

/** Opens a local HTML file in headless Chromium with the network cut off and reports what it shows. */
export async function openInChromium(path: string, screenshot?: string): Promise<PageCheck> {
  const chromium = await launchChromium();
  try {
    const { page, errors, requests } = await chromium.open(path);
    const seen = await checkPage(page);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { errors, requests, ...seen };
  } finally {
    await chromium.close();
  }
}

/**
 * Pixels of each legend key's colour in a chart, as drawn (its SVG painted onto a canvas at 2×):
 * how much of each curve a reader can see. A colour counts within a small distance, for
 * antialiased edges.
 */
export function curveInk(page: Page, metric: string): Promise<Record<string, number>> {
  return page.evaluate(async (metric) => {
    const svg = document.querySelector(`figure.chart[data-metric="${metric}"] svg`);
    if (!svg) throw new Error(`no chart for ${metric}`);
    const { width, height } = svg.getBoundingClientRect();
    const image = new Image();
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(width) * 2;
    canvas.height = Math.ceil(height) * 2;
    const context = canvas.getContext('2d')!;
    context.scale(2, 2);
    context.drawImage(image, 0, 0, width, height);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const keys = [...document.querySelectorAll('.legend button.key')].map((button) => ({
      key: button.getAttribute('data-key')!,
      rgb: [1, 3, 5].map((i) =>
        Number.parseInt(
          button
            .querySelector('line')!
            .getAttribute('stroke')!
            .slice(i, i + 2),
          16,
        ),
      ),
    }));
    const ink: Record<string, number> = {};
    for (const { key, rgb } of keys) {
      let count = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const distance =
          Math.abs(pixels[i]! - rgb[0]!) + Math.abs(pixels[i + 1]! - rgb[1]!) + Math.abs(pixels[i + 2]! - rgb[2]!);
        if (distance < 40) count++;
      }
      ink[key] = count;
    }
    return ink;
  }, metric);
}
