// The benches are run by hand, so nothing else notices when a refactor breaks one (the narrowed
// @fnn/core root export once left the kernels and trainer benches dead for a whole session).
// This runs the quick ones with the smallest settings: it checks that they start, finish and
// print their table — never a speed, which belongs to the benches themselves.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bench = (name: string) => fileURLToPath(new URL(`../bench/${name}`, import.meta.url));

function runBench(name: string, args: string[]): string {
  const result = spawnSync(process.execPath, [bench(name), ...args], { encoding: 'utf8', timeout: 240_000 });
  if (result.status !== 0) {
    throw new Error(`${name} ${args.join(' ')} exited with ${result.signal ?? result.status}:\n${result.stderr}`);
  }
  return result.stdout;
}

describe('benches still run', () => {
  it('kernels bench prints its matmul and model.fit tables', () => {
    const out = runBench('kernels.bench.mjs', ['--steps', '3', '--warmup', '1', '--rounds', '1', '--models', 'wide']);
    expect(out).toMatch(/\| x·W +128x784 · 784x250 \| \d/);
    expect(out).toMatch(/\| wide \| \d+ \|/);
    expect(out).toMatch(/one wide training step on native: [\d.]+ ms wall/);
  }, 300_000);

  it('trainer bench prints a row for model.fit, 1 worker and 2 workers', () => {
    const out = runBench('trainer.bench.mjs', [
      ...['--backend', 'native', '--steps', '3', '--epochs', '1', '--rounds', '1'],
      ...['--models', 'wide', '--workers', '1,2'],
    ]);
    expect(out).toMatch(/\| wide \| model\.fit \(1 thread\) \| \d+/);
    expect(out).toMatch(/\| wide \| 1 worker \| \d+/);
    expect(out).toMatch(/\| wide \| 2 workers \| \d+/);
  }, 300_000);
});
