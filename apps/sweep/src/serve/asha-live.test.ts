import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliProcess } from '../../test-support/cli-process.js';
import { EventStream } from '../../test-support/http-client.js';
import { writeSyntheticMnist } from '../../test-support/idx-fixture.js';
import { reportData, type ReportData } from '../report/report-data.js';
import type { ResultsFile } from '../results-store.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

describe('fnn-sweep --scheduler asha --serve', () => {
  it('shows ASHA’s rung decisions on the live page as they are made, not only at the end', async () => {
    const dir = tmp('fnn-asha-serve-');
    const data = writeSyntheticMnist(join(dir, 'data'));
    const space = join(dir, 'space.json');
    writeFileSync(
      space,
      JSON.stringify({ units: { int: [4, 32] }, depth: 1, learningRate: { loguniform: [1e-4, 1e-1] } }),
    );
    const out = join(dir, 'out');
    const sweep = new CliProcess([
      ...['--space', space, '--search', 'random', '--trials', '9', '--seed', '5'],
      ...['--scheduler', 'asha', '--max-epochs', '9', '--concurrency', '1', '--workers-per-run', '1'],
      ...['--data-dir', data, '--limit-train', '600', '--limit-eval', '200', '--backend', 'wasm'],
      ...['--out', out, '--serve', '0'],
    ]);
    try {
      const [, url] = await sweep.waitFor(/live report at (http:\/\/\S+)/);
      const stream = new EventStream(Number(new URL(url!).port));
      await stream.until(() => stream.ended, 240_000);
      expect((await sweep.exited).code, sweep.stderr).toBe(0);
      const states = stream.events.filter((e) => e.event === 'results').map((e) => JSON.parse(e.data) as ReportData);
      const final = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
      const decided = final.search!.decisions.length;
      expect(decided).toBeGreaterThan(1);
      // While the sweep ran, the page already listed some of the decisions (each state a prefix of the final list).
      const during = states.filter((s) => s.state === 'running').map((s) => s.asha?.rows.length ?? 0);
      expect(during.some((n) => n > 0 && n < decided)).toBe(true);
      expect(states.at(-1)).toEqual(JSON.parse(JSON.stringify(reportData(final))));
    } finally {
      await sweep.kill();
    }
  });
});
