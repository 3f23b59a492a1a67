import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium } from '../../test-support/browser.js';
import { runCli } from '../../test-support/cli.js';
import { CliProcess } from '../../test-support/cli-process.js';
import { httpRequest } from '../../test-support/http-client.js';
import { writeSyntheticMnist } from '../../test-support/idx-fixture.js';
import { openLivePage } from '../../test-support/live-page.js';
import type { ResultsFile } from '../results-store.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;

/** When (Date.now()) the sweep logged each epoch end, `run:epoch`: its own record of the moment. */
function epochLog(sweep: CliProcess): Map<string, number> {
  const logged = new Map<string, number>();
  let seen = 0;
  sweep.child.stderr!.on('data', () => {
    const now = Date.now();
    for (const [, run, epoch] of sweep.stderr.slice(seen).matchAll(/^\[(\S+)\] epoch (\d+)\/\d+ - /gm))
      logged.set(`${run}:${epoch}`, now);
    seen = sweep.stderr.lastIndexOf('\n') + 1;
  });
  return logged;
}

describe.skipIf(!hasChromium)('fnn-sweep --serve: a real sweep watched in real Chromium', () => {
  let data: string;
  let grid: string;
  beforeAll(() => {
    const dir = tmp('fnn-serve-');
    data = writeSyntheticMnist(join(dir, 'data'));
    grid = join(dir, 'grid.json');
    writeFileSync(grid, JSON.stringify({ hidden: [[64], [32, 32]], epochs: [12] }));
  });
  const args = (out: string, port = '0') => [
    '--grid',
    grid,
    '--data-dir',
    data,
    '--limit-train',
    '3000',
    '--limit-eval',
    '300',
    '--out',
    out,
    '--backend',
    'cpu',
    '--serve',
    port,
  ];

  it('shows every epoch within 2 s of the sweep ending it, refuses anything but reading, and is gone when the sweep exits', async () => {
    const out = join(tmp('fnn-out-'), 'sweep');
    const sweep = new CliProcess(args(out));
    const logged = epochLog(sweep);
    const [, url] = await sweep.waitFor(/live report at (http:\/\/\S+) /);
    const port = Number(new URL(url!).port);
    const live = await openLivePage(url!);
    try {
      // While it trains: nothing but reading, under the server's own name.
      expect((await httpRequest(port, { path: '/../../etc/passwd' })).status).toBe(404);
      expect((await httpRequest(port, { path: '/%2e%2e/%2e%2e/etc/passwd' })).status).toBe(404);
      expect((await httpRequest(port, { method: 'POST', path: '/' })).status).toBe(405);
      expect((await httpRequest(port, { host: `rebound.example:${port}` })).status).toBe(403);
      const watchedFrom = Date.now();
      const exit = await sweep.exited;
      expect(exit.code, sweep.stderr).toBe(0);
      // The end reaches the page too (status line), then the page shows results.json's runs.
      await live.page.waitForFunction(() =>
        document.querySelector('#fnn-live')?.textContent?.startsWith('sweep finished'),
      );
      const results = readResults(out);
      for (const run of results.runs) expect(live.shown.has(`${run.id}:${run.history.loss.length}`), run.id).toBe(true);
      // Every epoch the sweep logged after the page was watching reached it within 2 s.
      const watched = [...logged].filter(([, at]) => at > watchedFrom);
      expect(watched.length).toBeGreaterThanOrEqual(4);
      // Shown means that count or a later one (two epochs may end within one update).
      const shownBy = (key: string) => {
        const [run, epoch] = key.split(':');
        const times = [...live.shown].filter(
          ([k]) => k.split(':')[0] === run && Number(k.split(':')[1]) >= Number(epoch),
        );
        return Math.min(...times.map(([, at]) => at));
      };
      const late = watched.map(([key, at]) => ({ key, delay: shownBy(key) - at })).filter((e) => e.delay > 2000);
      expect(late).toEqual([]);
      const delays = watched.map(([key, at]) => shownBy(key) - at);
      console.info(`live page: ${watched.length} epoch ends, shown after at most ${Math.max(...delays)} ms`);
      expect(live.errors).toEqual([]);
      expect(live.foreign).toEqual([]);
    } finally {
      await live.close();
      await sweep.kill();
    }
    await expect(httpRequest(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('SIGTERM with a page open: exit 143, results.json, CSV and report written, the page says so; --resume completes', async () => {
    const out = join(tmp('fnn-out-'), 'sweep');
    const sweep = new CliProcess(args(out));
    const [, url] = await sweep.waitFor(/live report at (http:\/\/\S+) /);
    const live = await openLivePage(url!);
    try {
      await sweep.waitFor(/\] epoch 3\//);
      const exit = await sweep.kill('SIGTERM');
      expect(exit.code, sweep.stderr).toBe(143);
      await live.page.waitForFunction(() =>
        document.querySelector('#fnn-live')?.textContent?.startsWith('sweep interrupted'),
      );
      expect(live.errors).toEqual([]);
    } finally {
      await live.close();
    }
    expect(readResults(out).sweep.status).toBe('interrupted');
    expect(existsSync(join(out, 'results.csv'))).toBe(true);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    const resumed = await runCli(['--resume', out, '--serve', '0']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readResults(out).runs.map((r) => [r.id, r.status, r.history.loss.length])).toEqual(
      readResults(out).runs.map((r) => [r.id, 'finished', 12]),
    );
  });

  it('a port in use is a clear error naming it, before anything is trained or written', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const out = join(tmp('fnn-out-'), 'sweep');
      const run = await runCli(args(out, String(port)));
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `fnn-sweep: --serve ${port}: port ${port} on 127.0.0.1 is already in use; choose another port, or --serve 0 for any free one.\n`,
      );
      expect(existsSync(join(out, 'sweep.json'))).toBe(false);
    } finally {
      taken.close();
    }
  });
});

it.runIf(!hasChromium)(`skips the live page checks: ${CHROMIUM} is absent (apt-get install chromium)`, () => {
  expect(hasChromium).toBe(false);
});
