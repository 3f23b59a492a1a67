import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStream, httpRequest } from '../../test-support/http-client.js';
import { fakeResult } from '../../test-support/fake-runs.js';
import type { ProgressDisplay } from '../progress.js';
import { reportData, type ReportData } from '../report/report-data.js';
import type { ResultsFile } from '../results-store.js';
import { defaultRuns } from '../run-config.js';
import { startDashboard, startLines, type Dashboard } from './dashboard.js';
import { MAX_SSE_CLIENTS } from './sse-hub.js';

const quiet: ProgressDisplay = { runStarted() {}, update() {}, runEnded() {}, log() {}, stop() {} };
const runs = defaultRuns().slice(0, 2);
const meta = { backend: 'cpu', cores: 2, concurrency: 2, workersPerRun: 1, data: 'test data' };
const epochEnd = (epoch: number) => ({
  id: runs[0]!.id,
  epoch,
  epochs: runs[0]!.epochs,
  batch: 10,
  batches: 10,
  epochEnd: { loss: 1 / epoch, accuracy: 0.5, val_loss: 1 / epoch, val_accuracy: 0.5 + epoch / 100, seconds: 1 },
});
/** The newest page data (the report's data object) the stream carried. */
const lastData = (stream: EventStream) =>
  JSON.parse(stream.events.filter((e) => e.event === 'results').at(-1)!.data) as ReportData;

let dashboard: Dashboard | undefined;
const streams: EventStream[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await dashboard?.close();
  dashboard = undefined;
});

async function start(): Promise<{ port: number; display: ProgressDisplay; lines: string[] }> {
  const lines: string[] = [];
  dashboard = await startDashboard({ port: 0, host: '127.0.0.1' }, (l) => lines.push(l));
  const port = Number(new URL(dashboard.url).port);
  const display = dashboard.watch(quiet, { runs, meta, trainSize: 1000, previous: new Map() });
  return { port, display, lines };
}

function open(port: number): EventStream {
  const stream = new EventStream(port);
  streams.push(stream);
  return stream;
}

describe('the live dashboard server', () => {
  it('prints its URL once and streams each epoch end, then the final results and an end event', async () => {
    const { port, display, lines } = await start();
    expect(lines).toEqual([`fnn-sweep: live report at http://127.0.0.1:${port}/ (read-only)`]);
    const stream = open(port);
    await stream.until(() => stream.events.length === 1);
    expect(lastData(stream).runs).toEqual([]);
    display.runStarted(runs[0]!.id, 1);
    display.update(epochEnd(1));
    display.update(epochEnd(2));
    await stream.until(() => lastData(stream).runs[0]?.epochsDone === 2);
    const live = lastData(stream);
    expect(live.state).toBe('running');
    expect(live.runs[0]).toMatchObject({ id: runs[0]!.id, status: 'running', epochs: runs[0]!.epochs });
    expect(live.runs[0]!.valAccuracy).toBe(0.52);
    // The same state on /results.json, as results.json records runs.
    const json = JSON.parse((await httpRequest(port, { path: '/results.json' })).body) as ResultsFile;
    expect(json.sweep.status).toBe('running');
    expect(json.runs[0]!.history.loss).toEqual([1, 0.5]);
    expect(json.runs[0]!.history.val_accuracy).toEqual([0.51, 0.52]);
    expect(lastData(stream).runs).toEqual(JSON.parse(JSON.stringify(reportData(json).runs)));

    const finished = fakeResult(runs[0]!);
    display.runEnded(finished);
    const final = { ...json, sweep: { ...json.sweep, status: 'finished' as const }, runs: [finished] };
    await dashboard!.close(final);
    await stream.until(() => stream.ended);
    expect(stream.events.at(-1)).toEqual({ event: 'end', data: '{"status":"finished"}' });
    expect(lastData(stream)).toEqual(JSON.parse(JSON.stringify(reportData(final))));
    // Gone: nothing listens on the port any more.
    await expect(httpRequest(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('serves the page with a CSP that allows exactly its scripts, and strict headers everywhere', async () => {
    const { port } = await start();
    const page = await httpRequest(port);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const scripts = [...page.body.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    const csp = String(page.headers['content-security-policy']);
    for (const script of scripts)
      expect(csp).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(csp).toMatch(/^default-src 'none'; /);
    for (const path of ['/', '/results.json', '/nope']) {
      const reply = await httpRequest(port, { path });
      expect(reply.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'x-frame-options': 'DENY',
      });
    }
  });

  it('refuses other paths, traversal in any spelling, other methods and a foreign Host header', async () => {
    const { port } = await start();
    for (const path of [
      '/../../etc/passwd',
      '/..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%252e%252e/etc/passwd',
      '//etc/passwd',
      '/results.json/../../../etc/passwd',
      '/..\\..\\etc\\passwd',
      '/report.html',
      '/sweep.json',
      'http://127.0.0.1/etc/passwd',
      '*',
    ]) {
      const reply = await httpRequest(port, { path });
      expect(reply.status, path).toBe(404);
      expect(reply.body, path).not.toContain('root:');
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
      const reply = await httpRequest(port, { method, path: '/' });
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
    }
    expect((await httpRequest(port, { method: 'HEAD', path: '/results.json' })).status).toBe(200);
    for (const host of ['attacker.example', `attacker.example:${port}`, `127.0.0.1:${port + 1}`]) {
      const reply = await httpRequest(port, { host });
      expect(reply.status, host).toBe(403);
      expect(reply.body).not.toContain('<html');
    }
    expect((await httpRequest(port, { host: `localhost:${port}` })).status).toBe(200);
  });

  it(`caps the event streams at ${MAX_SSE_CLIENTS}`, async () => {
    const { port } = await start();
    const open16 = Array.from({ length: MAX_SSE_CLIENTS }, () => open(port));
    for (const s of open16) await s.until(() => s.events.length === 1);
    const refused = await httpRequest(port, { path: '/events' });
    expect(refused.status).toBe(503);
    // One leaves: the next is let in.
    open16[0]!.close();
    let next = open(port);
    for (let tries = 0; next.status !== 200 && tries < 50; tries++) {
      await next.until(() => next.status !== 0 || next.ended);
      if (next.status !== 200) next = open(port);
    }
    expect(next.status).toBe(200);
  });

  it('warns, once, when the page is served beyond loopback', () => {
    expect(startLines('127.0.0.1', 'http://127.0.0.1:8765/')).toEqual([
      'fnn-sweep: live report at http://127.0.0.1:8765/ (read-only)',
    ]);
    expect(startLines('::1', 'http://[::1]:8765/')).toHaveLength(1);
    expect(startLines('0.0.0.0', 'http://127.0.0.1:8765/')).toEqual([
      'fnn-sweep: live report at http://127.0.0.1:8765/ (read-only)',
      'fnn-sweep: warning: --host 0.0.0.0: anyone who can reach it can read the page',
    ]);
    expect(startLines('192.168.1.20', 'http://192.168.1.20:8765/')[1]).toContain('warning: --host 192.168.1.20');
  });

  it('names the port when it is in use, before anything else happens', async () => {
    const { port } = await start();
    await expect(startDashboard({ port, host: '127.0.0.1' }, () => {})).rejects.toThrow(
      `--serve ${port}: port ${port} on 127.0.0.1 is already in use; choose another port, or --serve 0 for any free one.`,
    );
  });
});
