import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../test-support/cli.js';
import { writeSyntheticMnist } from '../../test-support/idx-fixture.js';
import { gridFile, QueueProcesses, tmp } from '../../test-support/queue-sweep.js';
import { hasRedis, TestRedis } from '../../test-support/redis-server.js';
import { quote } from '../invocation.js';

/** util-linux `script` gives the coordinator a terminal (a pty), so it draws its live lines. */
const hasScript = spawnSync('script', ['--version']).status === 0;

/**
 * Runs the CLI on a pseudo-terminal and returns what it drew, escape sequences removed, line by
 * line (redrawn lines may run together: their widths are tmux.test.ts's to check).
 */
function onTerminal(args: string[]): Promise<{ code: number | null; lines: string[] }> {
  const env = { ...process.env };
  delete env.CI; // CI=1 asks for plain log lines
  // An 80-column terminal, as tmux.test.ts uses.
  const command = `stty cols 80 rows 40; ${[process.execPath, CLI, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const visible = text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '\n');
      resolve({ code, lines: visible.split('\n').filter((l) => l.trim() !== '') });
    }),
  );
}

// The coordinator follows its jobs' progress events into the same live display as a local sweep,
// with ETAs measured from the workers' progress.
describe.skipIf(!hasRedis || !hasScript)("a queued sweep's live display on a terminal", () => {
  let data: string;
  let redis: TestRedis;
  const p = new QueueProcesses(
    () => redis,
    () => data,
  );

  beforeAll(async () => {
    // Enough images that each epoch trains for seconds: an ETA is shown after 2 s of training.
    data = writeSyntheticMnist(join(tmp('fnn-idx-'), 'data'), { train: 25_000 });
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    await p.killAll();
    await redis?.dispose();
  });

  it("draws the runs the workers train batch by batch, counts the queued ones, and keeps the sweep's ETA on an 80-column line", async () => {
    const worker = p.worker(['--backend', 'wasm']);
    await worker.waitFor(/waiting for jobs/);
    const out = join(tmp('fnn-out-'), 'queue');
    const { code, lines } = await onTerminal([
      ...[
        '--queue',
        redis.url,
        '--grid',
        gridFile({
          hidden: [
            [512, 512],
            [256, 256],
          ],
          epochs: [2],
        }),
      ],
      ...['--data-dir', data, '--limit-train', '20000', '--limit-eval', '200', '--backend', 'wasm', '--out', out],
    ]);
    expect(code, lines.join('\n')).toBe(0);
    // The worker's note, and a run's live line with its batch, loss and accuracy from the worker.
    expect(lines).toContain(`[h512x2] training on worker ${hostname()}/${worker.child.pid}`);
    const runLine = /^h512x2 {2}epoch 1\/2 [█░]{5,20} +\d+\/\d+ {2}loss \d\.\d{4} {2}acc +\d+\.\d\d%/;
    expect(lines.some((l) => runLine.test(l))).toBe(true);
    // One worker of one slot: one run trains, the other waits in the queue; the sweep's ETA, measured
    // from the worker's progress, fits the 80 columns (the elapsed time, shown when
    // it fits, gives way to it: terminal-width.test.ts draws both cases); under load it may read minutes.
    const overall =
      /^overall {2}0\/2 runs done · 1 running · 1 starting or queued( · elapsed \S+)? · ETA (?:\d+m)?\d+s$/;
    const shown = lines.filter((l) => overall.test(l));
    expect(shown.length, lines.filter((l) => l.startsWith('overall')).join('\n')).toBeGreaterThan(0);
    expect(Math.max(...shown.map((l) => [...l].length))).toBeLessThanOrEqual(80);
    expect(lines.some((l) => /^\[h256x2\] finished in [\d.]+ s: val_accuracy/.test(l))).toBe(true);
    expect((await worker.kill('SIGTERM')).code).toBe(0);
  });
});
