// Time and peak memory to refuse hostile model files (issue 11): each case is loaded with
// loadModel in its own child process under a 6 GiB address-space cap and a time bound.
// Usage: node bench/model-files.bench.mjs [--core <dist folder of @fnn/core>] [--backend cpu|native]
// (--core lets you measure an older build, e.g. one checked out from before the fix).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    core: { type: 'string', default: fileURLToPath(new URL('../packages/core/dist', import.meta.url)) },
    backend: { type: 'string', default: 'cpu' },
    child: { type: 'string' },
    dir: { type: 'string' },
  },
});

const dense = (units, inputDim) => ({
  class_name: 'Sequential',
  config: {
    name: 's',
    layers: [
      {
        class_name: 'Dense',
        config: { name: 'dense_1', units, batch_input_shape: [null, inputDim], dtype: 'float32' },
      },
    ],
  },
});
const small = [
  { name: 'dense_1/kernel', shape: [5, 5], dtype: 'float32' },
  { name: 'dense_1/bias', shape: [1], dtype: 'float32' },
];
const CASES = {
  'Dense 15000×15000, 104-byte weights': () => ({ topology: dense(15000, 15000), weights: small }),
  'Dense 50000×50000, 104-byte weights': () => ({ topology: dense(50000, 50000), weights: small }),
  'weights path /dev/zero': () => ({ topology: dense(5, 4), weights: small, paths: ['/dev/zero'] }),
  'model.json nested 1,000,000 levels': () => ({ text: `{"modelTopology":${'['.repeat(1e6)}${']'.repeat(1e6)}}` }),
};

if (options.child !== undefined) {
  // Child: write the case, load it once, report outcome, time and peak RSS.
  const fnn = await import(pathToFileURL(join(options.core, 'index.js')).href);
  await fnn.setBackend(options.backend);
  const { topology, weights, paths = ['weights.bin'], text } = CASES[options.child]();
  mkdirSync(options.dir, { recursive: true });
  writeFileSync(join(options.dir, 'weights.bin'), new Uint8Array(104));
  writeFileSync(
    join(options.dir, 'model.json'),
    text ?? JSON.stringify({ modelTopology: topology, format: 'layers-model', weightsManifest: [{ paths, weights }] }),
  );
  const started = performance.now();
  let outcome = 'loaded';
  try {
    await fnn.loadModel(join(options.dir, 'model.json'));
  } catch (error) {
    outcome = `${error.name}: ${error.message.replaceAll(`${options.dir}/`, '').replace(/^loadModel: /, '')}`;
  }
  const ms = performance.now() - started;
  console.log(JSON.stringify({ outcome, ms, peakMb: process.resourceUsage().maxRSS / 1024 }));
} else {
  const root = mkdtempSync(join(tmpdir(), 'fnn-model-files-bench-'));
  const rows = [];
  for (const name of Object.keys(CASES)) {
    const started = performance.now();
    const child = spawnSync(
      'prlimit',
      [
        `--as=${6 * 1024 ** 3}`,
        '--',
        process.execPath,
        fileURLToPath(import.meta.url),
        '--child',
        name,
        '--dir',
        join(root, String(rows.length)),
        '--core',
        options.core,
        '--backend',
        options.backend,
      ],
      { encoding: 'utf8', timeout: 300_000, env: { ...process.env, FNN_QUIET: '1' } },
    );
    const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
    // A child that died reports nothing: its time is the wall time until it died.
    const result = line
      ? JSON.parse(line)
      : { outcome: `died (${child.signal ?? `exit ${child.status}`})`, ms: performance.now() - started, peakMb: NaN };
    rows.push([name, result.outcome.slice(0, 70), result.ms.toFixed(0), result.peakMb.toFixed(0)]);
  }
  rmSync(root, { recursive: true, force: true });
  console.log(
    `loadModel on hostile files (${options.backend} backend, core from ${options.core}, 6 GiB address-space cap)\n`,
  );
  const header = ['case', 'outcome', 'load ms', 'peak RSS MiB'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, widths.map((w) => '-'.repeat(w)), ...rows])
    console.log(row.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  '));
}
