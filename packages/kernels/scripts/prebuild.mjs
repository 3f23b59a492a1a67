// Builds the prebuilt addon that ships in the package tarball (prebuilds/<platform>-<arch>/), so
// consumers load it with node-gyp-build and need no compiler, no install script and no approval
// step. Run by `prepack`; Node-API makes one build serve every Node version from 20 on. The ISA
// variants (AVX-512, AVX2, portable) are all inside the one file and chosen at load time.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNodeDir } from './node-headers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const nodeDir = findNodeDir();
if (nodeDir === null) {
  console.error(`[@fnn/kernels] prebuild: Node ${process.version} headers not found (set npm's nodedir)`);
  process.exit(1);
}
const prebuildify = require.resolve('prebuildify/bin.js');
// node-gyp rebuild wipes build/: work in a copy so the addon in use here (tests, other
// processes) is never pulled from under them.
const work = mkdtempSync(join(tmpdir(), 'fnn-prebuild-'));
try {
  for (const entry of ['binding.gyp', 'native', 'package.json'])
    cpSync(join(root, entry), join(work, entry), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
  const result = spawnSync(
    process.execPath,
    [prebuildify, '--napi', '--strip', `--target=node@${process.versions.node}`],
    { cwd: work, stdio: 'inherit', env: { ...process.env, npm_config_nodedir: nodeDir, JOBS: '2' } },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
  rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
  cpSync(join(work, 'prebuilds'), join(root, 'prebuilds'), { recursive: true });
} finally {
  rmSync(work, { recursive: true, force: true });
}
