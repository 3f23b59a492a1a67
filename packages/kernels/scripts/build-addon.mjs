// The package's install script. A published @fnn/kernels ships a prebuilt addon
// (prebuilds/<platform>-<arch>/, see prebuild.mjs): when it loads here there is nothing to do.
// Otherwise (a git checkout, or a platform without a prebuild) it builds the addon from source
// with node-gyp. It never fails the install: when something is missing (compiler, make, python,
// Node's headers) it prints one line, records the reason in build/unavailable.txt (which
// @fnn/kernels reports when asked to load), and exits 0. Node's headers must already be on disk:
// node-gyp would otherwise try to download them.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNodeDir } from './node-headers.mjs';

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

/** The prebuilt addon for this platform and architecture, when the package ships one that loads. */
function loadablePrebuild() {
  try {
    const file = require('node-gyp-build').path(root);
    if (!file.includes(`${join(root, 'prebuilds')}`)) return null;
    require(file);
    return file;
  } catch {
    return null;
  }
}

if (process.env.FNN_NATIVE === '0') giveUp('FNN_NATIVE=0');
const prebuild = force ? null : loadablePrebuild();
if (prebuild !== null) {
  console.log(`[@fnn/kernels] using the prebuilt addon ${prebuild.slice(root.length + 1)}`);
  process.exit(0);
}

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

// npm and pnpm name the node-gyp they bundle in npm_config_node_gyp; a checkout has its own.
let nodeGyp = process.env.npm_config_node_gyp;
try {
  if (!nodeGyp || !existsSync(nodeGyp)) nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
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
