import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess } from '../../test-support/cli-process.js';
import { EventStream, httpRequest } from '../../test-support/http-client.js';
import { writeSyntheticMnist } from '../../test-support/idx-fixture.js';
import { hasRedis, TestRedis } from '../../test-support/redis-server.js';
import { reportData, type ReportData } from '../report/report-data.js';
import type { ResultsFile } from '../results-store.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

// With --queue the coordinator serves the page: the workers' epoch ends reach it as they happen.
describe.skipIf(!hasRedis)('fnn-sweep --queue --serve (real redis-server, a worker process)', () => {
  let redis: TestRedis;
  const processes: CliProcess[] = [];
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await redis?.dispose();
  });

  it('streams each run’s epochs from the workers while they train, then the final results', async () => {
    const dir = tmp('fnn-queue-serve-');
    const data = writeSyntheticMnist(join(dir, 'data'));
    const grid = join(dir, 'grid.json');
    writeFileSync(grid, JSON.stringify({ hidden: [[32]], epochs: [4] }));
    const out = join(dir, 'out');
    const worker = new CliProcess(['worker', '--queue', redis.url, '--data-dir', data, '--concurrency', '1']);
    processes.push(worker);
    const coordinator = new CliProcess([
      ...['--queue', redis.url, '--grid', grid, '--data-dir', data],
      ...['--limit-train', '1000', '--limit-eval', '200', '--out', out, '--serve', '0'],
    ]);
    processes.push(coordinator);
    const [, url] = await coordinator.waitFor(/live report at (http:\/\/\S+)/);
    const port = Number(new URL(url!).port);
    const stream = new EventStream(port);
    try {
      await stream.until(() => stream.ended, 120_000);
      expect(await coordinator.exited, coordinator.stderr).toEqual({ code: 0, signal: null });
      const states = stream.events.filter((e) => e.event === 'results').map((e) => JSON.parse(e.data) as ReportData);
      // Mid-run states (as many as the 4-a-second throttle let through): the run training, each
      // epoch's metric exactly what the worker recorded for that epoch.
      const final = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
      const recorded = final.runs[0]!.history.val_accuracy;
      const training = states.flatMap((s) => s.runs.filter((r) => r.status === 'running' && r.epochsDone > 0));
      expect(training.length).toBeGreaterThan(0);
      const counts = training.map((r) => r.epochsDone);
      expect(counts).toEqual([...counts].sort((x, y) => x - y));
      for (const run of training) expect(run.valAccuracy).toBe(recorded[run.epochsDone - 1]);
      expect(states.at(-1)).toEqual(JSON.parse(JSON.stringify(reportData(final))));
      expect(stream.events.at(-1)).toEqual({ event: 'end', data: '{"status":"finished"}' });
    } finally {
      stream.close();
    }
    await expect(httpRequest(port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
