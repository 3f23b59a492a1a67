import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/data */
export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function isFresh(): boolean {
  const entry = join(packageDir, 'dist', 'index.js');
  const src = join(packageDir, 'src');
  const sources = readdirSync(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const newest = Math.max(...sources.map((f) => statSync(join(src, f)).mtimeMs));
  return existsSync(entry) && statSync(entry).mtimeMs >= newest;
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Worker threads and example scripts run plain JS (Node 20 cannot strip types), so they import
 * dist/. Rebuild it when a source file is newer, so they never test stale code. A lock folder
 * keeps test files that run in parallel from building at the same time.
 */
export function ensureBuilt(): void {
  if (isFresh()) return;
  const lock = join(packageDir, '.build-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true }); // stale
      sleep(100);
      if (isFresh()) return;
    }
  }
  try {
    if (isFresh()) return;
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', join(packageDir, 'tsconfig.json')], { stdio: 'inherit' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
