// `pnpm bench`: runs every bench/*.bench.mjs, in name order, each in its own Node process (a fresh
// backend and heap, no interference between benches), and lets each print its own table.
// `--only <substring>` selects benches by file name.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : undefined;
const benches = readdirSync(here)
  .filter((name) => name.endsWith('.bench.mjs') && (only === undefined || name.includes(only)))
  .sort();

if (benches.length === 0) {
  console.error(`bench: no bench/*.bench.mjs${only ? ` matching ${JSON.stringify(only)}` : ''}.`);
  process.exit(1);
}

const failed = [];
for (const name of benches) {
  console.log(`\n=== ${name} ===`);
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(here, name)], { stdio: 'inherit' });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    failed.push(name);
    console.error(`=== ${name} failed (${result.signal ?? `exit code ${result.status}`}) after ${seconds}s ===`);
  } else {
    console.log(`=== ${name}: ${seconds}s ===`);
  }
}
if (failed.length > 0) {
  console.error(`\nbench: ${failed.length} of ${benches.length} failed: ${failed.join(', ')}`);
  process.exit(1);
}
