// Builds the native addon with node-gyp during `pnpm install`. It never fails the install: when
// something is missing (compiler, make, python, Node's headers) it prints one line, records the
// reason in build/unavailable.txt (which @fnn/kernels reports when asked to load), and exits 0.
// Node's headers must already be on disk: node-gyp would otherwise try to download them.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build');
const reasonFile = join(buildDir, 'unavailable.txt');
const stampFile = join(buildDir, 'stamp.txt');
const addonFile = join(buildDir, 'Release', 'fnn_kernels.node');
const verbose = process.argv.includes('--verbose');
const force = process.argv.includes('--force');
const require = createRequire(import.meta.url);

function giveUp(reason) {
  mkdirSync(buildDir, { recursive: true });
  rmSync(addonFile, { force: true }); // never leave an addon built from other sources
  writeFileSync(reasonFile, `${reason}\n`);
  console.log(`[@fnn/kernels] native addon not built: ${reason} (the 'native' backend will be skipped)`);
  process.exit(0);
}

function works(command, args = ['--version']) {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 10000 });
  return result.status === 0;
}

/** A directory holding include/node/node_api.h for this Node, or null. */
function findNodeDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    dirname(dirname(process.execPath)),
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'node-gyp', process.versions.node),
  ];
  return candidates.find((dir) => dir && existsSync(join(dir, 'include', 'node', 'node_api.h'))) ?? null;
}

if (process.env.FNN_NATIVE === '0') giveUp('FNN_NATIVE=0');

// Every `pnpm install` runs this script: skip the build (and the minute without an addon that a
// rebuild means) when the sources, Node and the CPU architecture are those of the last build.
const sources = [
  'binding.gyp',
  ...readdirSync(join(root, 'native'))
    .sort()
    .map((f) => join('native', f)),
];
const stamp = createHash('sha256')
  .update([process.version, process.arch, process.platform, process.env.CXX ?? ''].join('|'))
  .update(sources.map((f) => readFileSync(join(root, f))).join('\0'))
  .digest('hex');
const upToDate = () =>
  existsSync(addonFile) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp;
if (!force && upToDate()) {
  console.log('[@fnn/kernels] native addon is up to date');
  process.exit(0);
}

// Two installs at once (several workspaces, parallel CI steps) must not build in build/ together.
const lockDir = join(root, '.build-lock');
const lockedAt = Date.now();
for (;;) {
  try {
    mkdirSync(lockDir);
    break;
  } catch {
    const age = Date.now() - (statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > 600000)
      rmSync(lockDir, { recursive: true, force: true }); // left by a killed build
    else if (Date.now() - lockedAt > 600000) giveUp('another build of the addon did not finish within 10 minutes');
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
}
process.on('exit', () => rmSync(lockDir, { recursive: true, force: true }));
if (!force && upToDate()) {
  console.log('[@fnn/kernels] native addon is up to date (built by a concurrent install)');
  process.exit(0);
}

let nodeGyp;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  require.resolve('node-addon-api');
} catch {
  giveUp('node-gyp or node-addon-api is not installed');
}
const cxx = process.env.CXX ?? 'c++';
if (!works(cxx)) giveUp(`no C++ compiler ('${cxx} --version' failed)`);
if (process.platform !== 'win32' && !works('make')) giveUp("'make' is not available");
if (!works(process.env.PYTHON ?? 'python3')) giveUp('python3 (needed by node-gyp) is not available');
const nodeDir = findNodeDir();
if (nodeDir === null)
  giveUp(`Node ${process.version} headers not found (set npm's nodedir; node-gyp would download them)`);

const started = Date.now();
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--jobs=2', `--nodedir=${nodeDir}`], {
  cwd: root,
  stdio: verbose ? 'inherit' : 'pipe',
  encoding: 'utf8',
  timeout: 300000,
  env: { ...process.env, npm_config_nodedir: nodeDir },
});
if (result.error || result.status !== 0) {
  const lines = `${result.stdout ?? ''}\n${result.stderr ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line =
    lines.find(
      (l) => /\berror\b/i.test(l) && !/^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v|not ok)/.test(l),
    ) ??
    result.error?.message ??
    lines.at(-1) ??
    `node-gyp exited with status ${result.status}`;
  giveUp(`build failed: ${line.trim().slice(0, 200)}`);
}

try {
  const addon = require(addonFile);
  rmSync(reasonFile, { force: true });
  writeFileSync(stampFile, `${stamp}\n`);
  console.log(
    `[@fnn/kernels] native addon built in ${((Date.now() - started) / 1000).toFixed(0)} s (kernels: ${addon.isa()})`,
  );
} catch (error) {
  giveUp(`built, but it does not load: ${String(error?.message ?? error).split('\n')[0]}`);
}
