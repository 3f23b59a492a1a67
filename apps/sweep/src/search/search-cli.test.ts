import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ResultsFile, SweepPlan } from '../results-store.js';
import { runCli } from '../../test-support/cli.js';
import { writeSyntheticMnist } from '../../test-support/idx-fixture.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('fnn-sweep --scheduler asha, interrupted and resumed', () => {
  let args: string[];
  let slots: string[];
  beforeAll(() => {
    const data = writeSyntheticMnist(join(tmp('fnn-idx-'), 'data'));
    const space = join(tmp('fnn-space-'), 'space.json');
    writeFileSync(
      space,
      JSON.stringify({ units: { int: [4, 32] }, depth: 1, learningRate: { loguniform: [1e-4, 1e-1] } }),
    );
    // One run at a time on one fixed worker: the arrival order and every metric are reproducible.
    slots = ['--concurrency', '1', '--workers-per-run', '1', '--fixed-workers'];
    args = [
      ...['--space', space, '--search', 'random', '--trials', '9', '--seed', '5'],
      ...['--scheduler', 'asha', '--max-epochs', '9'],
      ...['--data-dir', data, '--limit-train', '600', '--limit-eval', '200', '--backend', 'wasm'],
      ...slots,
    ];
  });

  it('continues with the same trials and rung records, and decides as an uninterrupted search does', async () => {
    const whole = join(tmp('fnn-out-'), 'sweep');
    const reference = await runCli([...args, '--out', whole]);
    expect(reference.code).toBe(0);
    const expected = readJson<ResultsFile>(join(whole, 'results.json'));
    expect(expected.search!.decisions.some((d) => d.decision === 'stop')).toBe(true);

    const out = join(tmp('fnn-out-'), 'sweep');
    // Interrupted in the first run promoted past the rung at epoch 1 (its epoch 2 ended).
    let promoted: string | undefined;
    const first = await runCli([...args, '--out', out], {
      onStderr: (text, child) => {
        const match = /\[(t\d\d)\] epoch 2\//.exec(text);
        if (!promoted && match) {
          promoted = match[1];
          child.kill('SIGINT');
        }
      },
    });
    expect(promoted).toBeDefined();
    expect(first.code).toBe(130);
    const before = readJson<{ decisions: unknown[] }>(join(out, 'asha.json')).decisions;
    expect(before.length).toBeGreaterThan(3);
    const plan = readJson<SweepPlan>(join(out, 'sweep.json'));
    expect(plan.search).toEqual({ strategy: 'random', trials: 9, seed: 5, asha: expected.search!.asha });
    expect(plan.runs).toEqual(expected.runs.map((r) => r.config));

    // The core split is not part of the plan: ASHA's arrival order depends on it, so it is given again.
    const resumed = await runCli(['--resume', out, ...slots]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`[${promoted}] resumed from the checkpoint after epoch`);
    const final = readJson<ResultsFile>(join(out, 'results.json'));
    // The decisions made before the interruption are kept, and the rest are what they would have been.
    expect(final.search!.decisions.slice(0, before.length)).toEqual(before);
    expect(final.search!.decisions).toEqual(expected.search!.decisions);
    expect(final.runs.map((r) => [r.id, r.status, r.history.val_accuracy])).toEqual(
      expected.runs.map((r) => [r.id, r.status, r.history.val_accuracy]),
    );
    // A stopped run counts as done: resuming once more trains nothing, and stops nothing again.
    const again = await runCli(['--resume', out, ...slots]);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/already (finished|stopped)/g)).toHaveLength(9);
  });
});
