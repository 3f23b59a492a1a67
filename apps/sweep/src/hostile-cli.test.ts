import { existsSync, mkdtempSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPORT_PEAK_RSS, runBounded } from '../../../test/hostile/bounded-child.js';
import { CLI, runCli } from '../test-support/cli.js';
import { writeSyntheticMnist } from '../test-support/idx-fixture.js';
import { embeddedReportData } from '../test-support/report-page.js';
import type { ResultsFile } from './results-store.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;
const gridFile = (spec: object | string) => {
  const path = join(tmp('fnn-grid-'), 'grid.json');
  writeFileSync(path, typeof spec === 'string' ? spec : JSON.stringify(spec));
  return path;
};

/** The built CLI in a child under an address-space cap and a time bound (issue 11's hostile-input harness). */
function boundedCli(args: string[]) {
  const source = `process.argv = [process.execPath, ${JSON.stringify(CLI)}, ...${JSON.stringify(args)}];\n${REPORT_PEAK_RSS}\nawait import(${JSON.stringify(CLI)});`;
  return runBounded(source, { memoryMb: 3072, timeoutMs: 120_000, env: { FNN_BACKEND: 'native' } });
}

// Issue 11, classes 2 and 4, through the real CLI: each refusal is a clear error (exit 2), in
// bounded time and memory — before, the first two died of V8's out-of-memory after minutes.
describe('fnn-sweep refuses oversized plans before allocating (bounded child processes)', () => {
  it.each([
    [
      'a 35-byte grid with depth 10⁹',
      () => ['--grid', gridFile('{"units":[10],"depth":[1000000000]}')],
      'depth[0]: expected at most 100, but got 1000000000.',
    ],
    [
      'a 1000 × 1000 units × depth grid',
      () => [
        '--grid',
        gridFile({
          units: Array.from({ length: 1000 }, (_, i) => i + 1),
          depth: Array.from({ length: 1000 }, (_, i) => (i % 100) + 1),
        }),
      ],
      'the grid expands to 1000000 runs; expected at most 1000',
    ],
    ['--repeats 1000000', () => ['--repeats', '1000000'], 'expected --repeats to be an integer in [1, 1000]'],
    [
      '--workers-per-run 1000 --oversubscribe',
      () => ['--workers-per-run', '1000', '--oversubscribe'],
      '--concurrency 1 × --workers-per-run 1000 = 1000 threads; expected at most',
    ],
  ])('%s', async (_, args, message) => {
    const run = await boundedCli([...args(), '--out', join(tmp('fnn-out-'), 'sweep')]);
    expect(run.timedOut).toBe(false);
    expect(run.stderr).toContain(message);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(/FATAL|heap out of memory/);
    // Refused at the command line: no tensors, no plan, no thread — the size of a bare Node.
    expect(run.peakMb).toBeLessThan(400);
  });
});

// Class 8 and issue 15's conventions.
describe('fnn-sweep command-line conventions', () => {
  it('--help names the worker command as the CLI was run (fnn-sweep is not on the PATH)', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    const node = `node ${relative(process.cwd(), CLI)} worker`;
    expect(run.stdout).toContain(
      `On each machine that should train for a --queue sweep:\n  ${node} --queue <redis-url>\n(${node} --help: its options)\n`,
    );
  });

  it('--version prints the package version', async () => {
    const run = await runCli(['--version']);
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`fnn-sweep ${version}\n`);
  });

  it('--dry-run estimates with the speed of the backend the runs will use', async () => {
    const estimate = async (backend: string) => {
      const run = await runCli(['--dry-run', '--only', 'wide-deep', '--backend', backend]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`estimated single-core time on ${backend}`);
      const [, m, s] = /wide-deep\s+25 epochs {2}~(?:(\d+)m)?(\d+)s/.exec(run.stdout)!;
      return Number(m ?? 0) * 60 + Number(s);
    };
    const native = await estimate('native');
    const wasm = await estimate('wasm');
    // wide-deep: 25 × 430 steps of 6 · 128 · 708,510 FLOPs at 140 (native) and 30 (wasm) GFLOP/s, plus 6 layers' overhead.
    expect(native).toBe(Math.round(25 * 430 * ((6 * 128 * 708_510) / 140e9 + 6 * 5.5e-5)));
    expect(wasm).toBe(Math.round(25 * 430 * ((6 * 128 * 708_510) / 30e9 + 6 * 1.5e-4)));
  });

  it('--backend auto names the backend in its own line, without a line about the backends it skipped', async () => {
    // Here tfjs-node is not installed: auto skips it (setBackend's notice would say so) and loads the next.
    const run = await runCli([
      '--only',
      'wide',
      '--epochs',
      '1',
      '--limit-train',
      '256',
      '--limit-eval',
      '100',
      '--out',
      join(tmp('fnn-out-'), 'auto'),
      '--backend',
      'auto',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^fnn-sweep: 1 runs, backend (native|wasm|cpu|tensorflow), /);
    expect(run.stderr).not.toMatch(/skipped|\[fnn\] backend/);
  });

  it('an --out that is a file is a clear error, without a stack trace; so is a seed beyond 32 bits', async () => {
    const file = join(tmp('fnn-out-'), 'a-file');
    writeFileSync(file, 'x');
    const grid = gridFile({ hidden: [[8]], epochs: 1 });
    const run = await runCli(['--grid', grid, '--out', file, '--limit-train', '100']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`fnn-sweep: --out ${file}: expected a folder, but it is a file.\n`);
    const seed = await runCli(['--seed', '4294967296']);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain('expected --seed to be an integer in [0, 4294967295], but got "4294967296".');
    expect(`${run.stderr}${seed.stderr}`).not.toMatch(/\n\s+at /);
  });
});

describe('fnn-sweep output folders, signals and resume (real processes)', () => {
  let data: string;
  beforeAll(() => {
    data = writeSyntheticMnist(join(tmp('fnn-idx-'), 'data'));
  });
  const common = (out: string) => ['--data-dir', data, '--limit-train', '600', '--limit-eval', '200', '--out', out];

  it('locks --out while a sweep runs; SIGTERM writes results, CSV and report (exit 143); --resume keeps the backend, refuses a tampered run file, and falls back past a truncated checkpoint', async () => {
    const out = join(tmp('fnn-out-'), 'sweep');
    const args = ['--grid', gridFile({ hidden: [[16]], epochs: [60, 1] }), ...common(out), '--backend', 'cpu'];
    let second: Promise<Awaited<ReturnType<typeof runCli>>> | undefined;
    let firstPid = 0;
    let terminated = false;
    const first = await runCli(args, {
      env: { FNN_BACKEND: 'wasm' },
      onStderr: (text, child) => {
        firstPid = child.pid!;
        if (!second && /\[e60\] epoch 3\//.test(text)) {
          // A second sweep into the same folder while the first runs.
          second = runCli(args).then((r) => {
            if (!terminated) {
              terminated = true;
              child.kill('SIGTERM');
            }
            return r;
          });
        }
      },
    });
    const refused = await second!;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`--out ${out}: another fnn-sweep (pid ${firstPid}, started `);
    expect(first.code).toBe(143);
    expect(first.stderr).toContain('fnn-sweep: stopping (SIGTERM); writing what finished. Again: quit at once\n');
    expect(readResults(out).sweep.status).toBe('interrupted');
    // Written after the signal, not left from when e1 finished: they show e60 interrupted.
    expect(readFileSync(join(out, 'results.csv'), 'utf8')).toMatch(/^e60,e60,interrupted,/m);
    const report = embeddedReportData(readFileSync(join(out, 'report.html'), 'utf8'));
    expect(report.state).toBe('interrupted');
    expect(report.problems.map((p) => [p.run, p.status])).toEqual([['e60', 'interrupted']]);
    expect(existsSync(join(out, '.fnn-sweep.lock'))).toBe(false);
    expect(first.stdout).toMatch(/Interrupted: continue with {2}node \S+cli\.js --resume \S+\n/);
    const e60 = readResults(out).runs.find((r) => r.id === 'e60')!;
    expect(e60.status).toBe('interrupted');

    // A new sweep into the old folder without --resume would mix two plans: refused.
    const again = await runCli(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`--out ${out}: the folder already holds files (`);

    // A tampered run file stops the resume, naming the file and field.
    const e1Path = join(out, 'runs', 'e1.json');
    const e1 = readFileSync(e1Path, 'utf8');
    writeFileSync(e1Path, e1.replace('"backend": "cpu"', '"backend": 42'));
    const tampered = await runCli(['--resume', out]);
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toContain(`${e1Path}: backend: expected a string`);
    writeFileSync(e1Path, e1);

    // The newest checkpoint cut short on disk: said so, and the run continues from the one before.
    const checkpoints = join(out, 'checkpoints', 'e60');
    const epochs = readdirSync(checkpoints)
      .filter((n) => n.startsWith('epoch-'))
      .map((n) => Number(n.slice(6)))
      .sort((a, b) => b - a);
    expect(epochs).toHaveLength(2);
    truncateSync(join(checkpoints, `epoch-${epochs[0]}`, 'weights.bin'), 100);

    const resumed = await runCli(['--resume', out], { env: { FNN_BACKEND: 'wasm' } });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('backend cpu (as the sweep started)');
    // 784·16 + 16 + 16·10 + 10 = 12,730 float32 weights = 50,920 bytes.
    expect(resumed.stderr).toContain(
      `is damaged: weights.bin has 100 bytes, expected 50920 (cut short?); continuing from the checkpoint after epoch ${epochs[1]} instead`,
    );
    expect(resumed.stderr).toContain(`[e60] resumed from the checkpoint after epoch ${epochs[1]}`);
    expect(resumed.stderr).toContain('[e1] already finished');
    const final = readResults(out);
    expect(final.runs.map((r) => [r.id, r.status, r.backend])).toEqual([
      ['e60', 'finished', 'cpu'],
      ['e1', 'finished', 'cpu'],
    ]);
    expect(final.runs[0]!.history.loss).toHaveLength(60);
  });

  it('on Ctrl-C records unstarted runs once (no file each), and a second Ctrl-C quits at once', async () => {
    const out = join(tmp('fnn-out-'), 'sweep');
    const learningRate = Array.from({ length: 300 }, (_, i) => 0.001 + i * 1e-5);
    const args = ['--grid', gridFile({ hidden: [[8]], epochs: 50, learningRate }), ...common(out), '--backend', 'wasm'];
    let sent = false;
    const first = await runCli(args, {
      onStderr: (text, child) => {
        if (!sent && /epoch 2\//.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(first.code).toBe(130);
    const results = readResults(out);
    expect(results.runs).toHaveLength(300);
    expect(results.runs.filter((r) => r.error === 'not started: the sweep was interrupted')).toHaveLength(298);
    // Only the two runs that were training have a file of their own.
    expect(readdirSync(join(out, 'runs')).filter((n) => n.endsWith('.json'))).toHaveLength(2);

    const again = join(tmp('fnn-out-'), 'sweep');
    let firstAt = 0;
    let quitMs = 0;
    const twice = await runCli(
      ['--grid', gridFile({ hidden: [[8]], epochs: 50, learningRate }), ...common(again), '--backend', 'wasm'],
      {
        onStderr: (text, child) => {
          if (firstAt === 0 && /epoch 2\//.test(text)) {
            firstAt = Date.now();
            child.kill('SIGINT');
            setTimeout(() => child.kill('SIGINT'), 50);
            child.once('close', () => (quitMs = Date.now() - firstAt));
          }
        },
      },
    );
    expect(twice.code).toBe(130);
    expect(quitMs).toBeLessThan(5000);
  });
});
