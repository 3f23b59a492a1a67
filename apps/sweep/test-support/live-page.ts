import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from './browser.js';

/** A live report page open in headless Chromium, watched as a reader would see it. */
export interface LivePage {
  browser: Browser;
  page: Page;
  /** Console errors and uncaught exceptions (a CSP violation is one). */
  errors: string[];
  /** Requests to anything but the dashboard's own origin. */
  foreign: string[];
  /** When (Date.now() in this process) the page first showed each `run:epochs`, read from its epochs cells. */
  shown: Map<string, number>;
  /** The live status line's text. */
  status(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Opens the dashboard's page and records, through a MutationObserver in the page, the moment
 * each run's epochs cell (`[data-run] [data-field="epochs"]`) first shows a new count.
 */
export async function openLivePage(url: string): Promise<LivePage> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const errors: string[] = [];
  const foreign: string[] = [];
  const shown = new Map<string, number>();
  const origin = new URL(url).origin;
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (new URL(r.url()).origin !== origin) foreign.push(r.url());
  });
  await page.exposeFunction('fnnTestShown', (run: string, epochs: number) => {
    const key = `${run}:${epochs}`;
    if (!shown.has(key)) shown.set(key, Date.now());
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.evaluate(() => {
    const report = () => {
      for (const cell of document.querySelectorAll('[data-run] [data-field="epochs"]')) {
        const run = cell.closest('[data-run]')!.getAttribute('data-run')!;
        const epochs = /\d+/.exec(cell.textContent ?? '');
        if (epochs)
          (window as unknown as { fnnTestShown: (r: string, e: number) => void }).fnnTestShown(run, Number(epochs[0]));
      }
    };
    new MutationObserver(report).observe(document.body, { subtree: true, childList: true, characterData: true });
    report();
  });
  return {
    browser,
    page,
    errors,
    foreign,
    shown,
    status: () => page.textContent('#fnn-live').then((t) => t ?? ''),
    close: () => browser.close(),
  };
}
