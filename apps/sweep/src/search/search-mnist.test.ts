import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../results-store.js';
import { runCli } from '../../test-support/cli.js';

describe('fnn-sweep --search random --scheduler asha on real MNIST (a subset)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fnn-search-mnist-'));
  const space = join(dir, 'space.json');
  // Widths and learning rates far enough apart that some trials are clearly behind after an epoch.
  writeFileSync(
    space,
    JSON.stringify({ units: { int: [8, 128] }, depth: [1, 2], learningRate: { loguniform: [1e-4, 1e-2] } }),
  );
  const args = ['--space', space, '--search', 'random', '--trials', '8', '--seed', '3'];
  const asha = ['--scheduler', 'asha', '--max-epochs', '3', '--grace-period', '1', '--reduction-factor', '3'];

  it('--dry-run prints the same drawn trials for the same seed', async () => {
    const first = await runCli([...args, ...asha, '--dry-run']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^ {2}t01 +3 epochs .* hidden \d+(-\d+)?, dropout 0, no bn, relu, adam lr [\d.e-]+, batch 128, 3 epochs$/m,
    );
    expect(first.stdout.match(/^ {2}t0\d /gm)).toHaveLength(8);
    expect(first.stdout).toContain('ASHA: rungs at epoch 1 (r = 1, η = 3)');
    expect((await runCli([...args, ...asha, '--dry-run'])).stdout).toBe(first.stdout);
    expect((await runCli([...args.slice(0, -1), '4', ...asha, '--dry-run'])).stdout).not.toBe(first.stdout);
  });

  // Fixed workers: a run that grows changes its dropout masks and summation order.
  const data = ['--limit-train', '3000', '--limit-eval', '1000', '--backend', 'wasm', '--fixed-workers'];

  it('trains the search, stops some trials at the rung and keeps their checkpoints', async () => {
    const out = join(dir, 'sweep');
    const run = await runCli([...args, ...asha, ...data, '--out', out]);
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.code).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
    const stopped = results.runs.filter((r) => r.status === 'stopped');
    const finished = results.runs.filter((r) => r.status === 'finished');
    expect(stopped.length).toBeGreaterThan(0);
    expect(finished.length).toBeGreaterThan(0);
    expect(stopped.length + finished.length).toBe(8);
    // Every trial arrived at the one rung (epoch 1) and paused or went on; at most ⌊8/3⌋ = 2 were
    // promoted from it (the finished runs); the others stopped when the search ended.
    const decisions = results.search!.decisions;
    const arrivals = decisions.filter((d) => d.decision === 'pause' || d.decision === 'continue');
    expect(arrivals.map((d) => d.trial).sort()).toEqual(results.runs.map((r) => r.id).sort());
    const promoted = decisions.filter((d) => d.decision === 'promote' || d.decision === 'continue');
    expect(promoted.map((d) => d.trial).sort()).toEqual(finished.map((r) => r.id).sort());
    expect(finished.length).toBeLessThanOrEqual(2);
    expect(
      decisions
        .filter((d) => d.decision === 'stop')
        .map((d) => d.trial)
        .sort(),
    ).toEqual(stopped.map((r) => r.id).sort());
    for (const d of decisions) {
      const r = results.runs.find((x) => x.id === d.trial)!;
      expect(d.value).toBe(r.history.val_accuracy[0]);
      if (d.decision === 'promote' || d.decision === 'continue') expect(d.rank).toBeLessThanOrEqual(d.keep);
    }
    for (const r of stopped) {
      expect(r.history.loss).toHaveLength(1);
      expect(r.stoppedBy).toMatchObject({ rung: 1, decision: 'stop', count: 8, keep: 2 });
      expect(existsSync(join(out, 'checkpoints', r.id, 'latest.json'))).toBe(true);
    }
    // The promoted runs were among the best at epoch 1: the best of them learns.
    expect(Math.max(...finished.map((r) => r.final!.valAccuracy))).toBeGreaterThan(0.8);
    // The table shows where each stopped trial ended and why; the summary what ASHA saved.
    expect(run.stdout).toMatch(/^t0\d .* 1\/3 /m);
    expect(run.stdout).toMatch(
      /^t0\d: stopped at epoch 1: val_accuracy 0\.\d{4} is rank [3-8] of 8 at rung 1, .* when the search ended$/m,
    );
    expect(run.stdout).toContain(`ASHA (r = 1, η = 3, rungs at epochs 1): ${stopped.length} of 8 runs stopped`);

    // The reference: the same trials trained to the end without a scheduler. ASHA decides on the
    // runs as they would be anyway: every run repeats that history, bit for bit, as far as it went
    // (a promoted run resumed from its checkpoint at epoch 1 included).
    const full = join(dir, 'full');
    expect((await runCli([...args, '--epochs', '3', ...data, '--out', full])).code).toBe(0);
    const reference = JSON.parse(readFileSync(join(full, 'results.json'), 'utf8')) as ResultsFile;
    for (const r of results.runs) {
      const h = reference.runs.find((x) => x.id === r.id)!.history;
      const n = r.history.loss.length;
      for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const)
        expect(r.history[key], `${r.id} ${key}`).toEqual(h[key].slice(0, n));
    }
  });
});
