import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Worker threads load dist/worker/train-replica.js, not the TypeScript sources vitest runs: build it when stale. */
export default function setup(): void {
  const worker = join(root, 'dist', 'worker', 'train-replica.js');
  if (existsSync(worker) && statSync(worker).mtimeMs >= newestSource(join(root, 'src'))) return;
  execFileSync(
    process.execPath,
    [join(root, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')],
    { stdio: 'inherit' },
  );
}
