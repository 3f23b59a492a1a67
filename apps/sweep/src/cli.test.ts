import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from './results-store.js';
import { CSV_HEADER } from './csv.js';
import { CLI, runCli, runShell } from '../test-support/cli.js';
import { writeSyntheticMnist } from '../test-support/idx-fixture.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsFile;

describe('fnn-sweep on a synthetic MNIST-format folder', () => {
  let data: string;
  /** The synthetic MNIST folder, cut to `train` training and 200 evaluation images: fast sweeps. */
  const smallData = (train = 600) => ['--data-dir', data, '--limit-train', String(train), '--limit-eval', '200'];
  beforeAll(() => {
    data = writeSyntheticMnist(join(tmp('fnn-idx-'), 'data'));
  });

  function grid(spec: object): string {
    const path = join(tmp('fnn-grid-'), 'grid.json');
    writeFileSync(path, JSON.stringify(spec));
    return path;
  }

  it('trains a grid, prints the comparison and writes every result file', async () => {
    const out = join(tmp('fnn-out-'), 'sweep');
    const run = await runCli([
      '--grid',
      grid({ hidden: [[32], [32, 32]], dropout: [0, 0.2] }),
      '--epochs',
      '3',
      '--data-dir',
      data,
      '--limit-eval',
      '200',
      '--out',
      out,
      '--backend',
      'wasm',
    ]);
    expect(run.stderr).not.toContain('failed');
    expect(run.code).toBe(0);
    const results = readResults(out);
    expect(results.sweep).toMatchObject({ status: 'finished', concurrency: 2, workersPerRun: 1 });
    expect(results.runs.map((r) => r.id)).toEqual(['h32_do0', 'h32_do0.2', 'h32x2_do0', 'h32x2_do0.2']);
    for (const r of results.runs) {
      expect(r).toMatchObject({ status: 'finished', trainSize: 2000, workers: 1, resumedFromEpoch: 0 });
      expect(r.history.val_accuracy).toHaveLength(3);
      // The classes are bright squares at fixed places: three epochs separate them.
      expect(r.final!.valAccuracy).toBeGreaterThanOrEqual(0.95);
      expect(r.final!.testAccuracy).toBeGreaterThanOrEqual(0.95);
      expect(existsSync(join(out, 'checkpoints', r.id))).toBe(false);
    }
    // Parameters as Keras counts them: 784·32+32 + 32·10+10 = 25,450; one more 32×32 block: +1,056.
    expect(results.runs.map((r) => r.params)).toEqual([25_450, 25_450, 26_506, 26_506]);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(CSV_HEADER.join(','));
    expect(csv).toHaveLength(5);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    // The table on stdout has a line per run and names the winner of results.json.
    for (const r of results.runs) expect(run.stdout).toMatch(new RegExp(`^${r.id.replace('.', '\\.')}\\s`, 'm'));
    expect(run.stdout).toContain(
      `Winner: ${results.winner!.configId} with ${(results.winner!.valAccuracy * 100).toFixed(2)} % validation accuracy`,
    );
    // Plain logs (not a terminal): one line per epoch per run.
    expect(run.stderr.match(/\] epoch \d\/3 - /g)).toHaveLength(12);
  });

  it('records a run whose worker crashes as failed and finishes the others', async () => {
    const out = join(tmp('fnn-out-'), 'sweep');
    const run = await runCli(
      ['--grid', grid({ hidden: [[16]], epochs: [2, 3, 4] }), ...smallData(), '--out', out, '--backend', 'wasm'],
      {
        env: { FNN_SWEEP_FAULT: JSON.stringify({ run: 'e3', kind: 'exit', atStep: 2 }) },
      },
    );
    expect(run.code).toBe(1);
    // As the report's headline: not "finished" when a run failed.
    expect(run.stdout).toMatch(/\nSweep ended with 1 failed run in \d+s \(/);
    const results = readResults(out);
    const byId = Object.fromEntries(results.runs.map((r) => [r.id, r]));
    expect(byId.e3!.status).toBe('failed');
    expect(byId.e3!.error).toMatch(/worker 0/);
    expect(byId.e2!.status).toBe('finished');
    expect(byId.e4!.status).toBe('finished');
    expect(run.stdout).toContain('e3: 0/1 finished (failed: ');
  });

  it('records a run whose loss becomes NaN as failed, with the epoch and batch', async () => {
    const out = join(tmp('fnn-out-'), 'sweep');
    // Linear units and a learning rate of 1e30 overflow the weights on the first step (the cpu
    // backend lets the overflow through as NaN; wasm's clipped softmax stays finite).
    const spec = grid({ hidden: [[16]], activation: 'linear', optimizer: 'sgd', learningRate: [0.1, 1e30] });
    const run = await runCli(['--grid', spec, '--epochs', '2', ...smallData(), '--out', out, '--backend', 'cpu']);
    expect(run.code).toBe(1);
    const [ok, nan] = readResults(out).runs;
    expect(ok).toMatchObject({ id: 'lr0.1', status: 'finished' });
    expect(nan).toMatchObject({ id: 'lr1e+30', status: 'failed', final: null });
    expect(nan!.error).toMatch(/the loss became NaN at epoch 1\/2, batch 2\/5/);
  });

  it('trains the same weights with the data-parallel trainer (1 worker) as with single-thread model.fit', async () => {
    const spec = grid({ hidden: [[16]], epochs: [2] });
    const common = ['--grid', spec, ...smallData(), '--backend', 'wasm', '--seed', '3'];
    const a = join(tmp('fnn-out-'), 'trainer');
    const b = join(tmp('fnn-out-'), 'in-process');
    expect((await runCli([...common, '--out', a, '--workers-per-run', '1'])).code).toBe(0);
    expect((await runCli([...common, '--out', b, '--in-process'])).code).toBe(0);
    const [ra] = readResults(a).runs;
    const [rb] = readResults(b).runs;
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) {
      ra!.history[key].forEach((v, i) => {
        expect(v).toBeCloseTo(rb!.history[key][i]!, 5);
      });
    }
    expect(ra!.final!.testLoss).toBeCloseTo(rb!.final!.testLoss, 5);
  });

  it('moves the longest run to the cores a finished slot frees, continuing its optimizer exactly', async () => {
    // e60 must still be training when e1 ends: 60 short epochs leave seconds of margin on a loaded machine.
    const spec = grid({ hidden: [[32]], epochs: [60, 1] });
    const common = ['--grid', spec, ...smallData(1000), '--backend', 'wasm'];
    const elastic = join(tmp('fnn-out-'), 'elastic');
    const fixed = join(tmp('fnn-out-'), 'fixed');
    const grown = await runCli([...common, '--out', elastic], { env: { FNN_SWEEP_MIN_GROW_SECONDS: '0' } });
    expect(grown.code).toBe(0);
    expect((await runCli([...common, '--out', fixed, '--fixed-workers'])).code).toBe(0);
    const a = readResults(elastic).runs.find((r) => r.id === 'e60')!;
    const b = readResults(fixed).runs.find((r) => r.id === 'e60')!;
    expect(grown.stderr).toMatch(/\[e60\] continues on 2 worker\(s\) \(was 1\) from epoch \d/);
    expect(a.history.workers).toContain(2);
    expect(b.history.workers).toEqual(Array(60).fill(1));
    // No dropout, no batch norm: 2 shards averaged give the batch's gradient, and Adam's state
    // carries over, so the grown run trains the same weights as the fixed one.
    for (const key of ['loss', 'val_loss', 'val_accuracy'] as const) {
      a.history[key].forEach((v, i) => {
        expect(v).toBeCloseTo(b.history[key][i]!, 4);
      });
    }
    expect(a.final!.testLoss).toBeCloseTo(b.final!.testLoss, 4);
  });

  it('on Ctrl-C writes what finished, marks the rest interrupted, exits non-zero; --resume continues from the checkpoint', async () => {
    const out = join(tmp('fnn-out-'), 'sweep');
    // Longest first: e100 trains on one core while e1 and e2 finish on the other.
    const args = [
      '--grid',
      grid({ hidden: [[16]], epochs: [100, 1, 2] }),
      ...smallData(),
      '--out',
      out,
      '--backend',
      'wasm',
    ];
    let sent = false;
    const first = await runCli(args, {
      onStderr: (text, child) => {
        if (!sent && /\[e1\] finished/.test(text) && /\[e2\] finished/.test(text) && /\[e100\] epoch 5\//.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(first.code).toBe(130);
    // Short enough to stay whole on an 80-column terminal, whose lines are cut at 79.
    const stopping = 'fnn-sweep: stopping (Ctrl-C); writing what finished. Again: quit at once';
    expect(first.stderr).toContain(`${stopping}\n`);
    expect(stopping.length).toBeLessThanOrEqual(79);
    // The hint repeats the command as it was run (node + this script), not a bin that is not on the PATH.
    expect(first.stdout).toContain(`continue with  node ${relative(process.cwd(), CLI)} --resume ${out}\n`);
    const interrupted = readResults(out);
    expect(interrupted.sweep.status).toBe('interrupted');
    const byId = Object.fromEntries(interrupted.runs.map((r) => [r.id, r]));
    expect(byId.e1!.status).toBe('finished');
    expect(byId.e2!.status).toBe('finished');
    expect(byId.e100!.status).toBe('interrupted');
    const epochsBefore = byId.e100!.history.loss.length;
    expect(epochsBefore).toBeGreaterThanOrEqual(5);
    expect(existsSync(join(out, 'checkpoints', 'e100', 'latest.json'))).toBe(true);

    // The hint, pasted into a shell as printed, continues the sweep.
    const hint = /continue with {2}(.+)\n/.exec(first.stdout)![1]!;
    const resumed = await runShell(hint);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('[e1] already finished');
    expect(resumed.stderr).toMatch(/\[e100\] resumed from the checkpoint after epoch \d+/);
    const final = readResults(out);
    const e100 = final.runs.find((r) => r.id === 'e100')!;
    expect(e100.status).toBe('finished');
    expect(e100.resumedFromEpoch).toBeGreaterThanOrEqual(epochsBefore);
    expect(e100.history.loss).toHaveLength(100);
    // The epochs before the interruption are kept as they were, not retrained.
    expect(e100.history.loss.slice(0, epochsBefore)).toEqual(byId.e100!.history.loss);
    // Finished runs are not trained again.
    expect(final.runs.find((r) => r.id === 'e1')!.timing).toEqual(byId.e1!.timing);
  });
});
