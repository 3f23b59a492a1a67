// Packs the workspace's packages as npm would publish them and installs the tarballs into empty
// folders outside the workspace, with npm or pnpm: what a user of FNN really gets.
import { execFileSync, type ExecFileSyncOptions, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PNPM = ['--yes', 'pnpm@10.34.8'];
export const PACKAGE_DIRS = {
  core: 'packages/core',
  data: 'packages/data',
  kernels: 'packages/kernels',
  trainer: 'packages/trainer',
  sweep: 'apps/sweep',
} as const;
export type PackageKey = keyof typeof PACKAGE_DIRS;

export function run(command: string, args: string[], options: ExecFileSyncOptions = {}): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options }) as string;
}

/** `pnpm pack` of every package (kernels' prepack builds its prebuilt addon): tarball paths by key. */
export function packAll(): Record<PackageKey, string> {
  const destination = mkdtempSync(join(tmpdir(), 'fnn-tarballs-'));
  const tarballs = {} as Record<PackageKey, string>;
  for (const [key, dir] of Object.entries(PACKAGE_DIRS) as [PackageKey, string][]) {
    const before = new Set(readdirSync(destination));
    run('npx', [...PNPM, 'pack', '--pack-destination', destination], { cwd: join(REPO_ROOT, dir) });
    const made = readdirSync(destination).find((f) => !before.has(f));
    if (made === undefined) throw new Error(`pnpm pack wrote no tarball for ${dir}`);
    tarballs[key] = join(destination, made);
  }
  return tarballs;
}

/** An empty ESM project in a fresh temporary folder (no workspace above it). */
export function emptyProject(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fnn-consumer-${label}-`));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `consumer-${label}`, private: true, type: 'module' }),
  );
  return dir;
}

/**
 * This process's environment without what the workspace's tools put there: pnpm's bin shims set
 * NODE_PATH to the workspace's hoisted modules, through which a consumer would find packages it
 * never installed.
 */
export function consumerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_PATH;
  return env;
}

/** Installs `specs` with npm or pnpm; returns the seconds it took. */
export function install(dir: string, manager: 'npm' | 'pnpm', specs: string[]): number {
  const started = Date.now();
  // A consumer's machine: no compiler, so a build from source would fail loudly instead of passing by luck.
  const env = consumerEnv({ CXX: '/bin/false', CC: '/bin/false' });
  if (manager === 'npm') run('npm', ['install', '--no-audit', '--no-fund', ...specs], { cwd: dir, env });
  else run('npx', [...PNPM, 'add', ...specs], { cwd: dir, env });
  return (Date.now() - started) / 1000;
}

/** Bytes under `dir`, following no links (a pnpm node_modules is mostly links into its store). */
export function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += diskBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** The first fenced ```js block of an installed package's README: the example users copy. */
export function readmeExample(projectDir: string, packageName: string): string {
  const readme = readFileSync(join(projectDir, 'node_modules', packageName, 'README.md'), 'utf8');
  const match = /```(?:js|ts)\n([\s\S]*?)```/.exec(readme);
  if (match?.[1] === undefined) throw new Error(`${packageName}/README.md has no js example`);
  return match[1];
}

export interface ScriptResult {
  stdout: string;
  stderr: string;
}

/** Writes `source` as an .mjs file in the project and runs it with node; throws with its stderr on failure. */
export function runScript(dir: string, name: string, source: string, env: NodeJS.ProcessEnv = {}): ScriptResult {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, source);
  const result = spawnSync(process.execPath, [file], {
    cwd: dir,
    env: consumerEnv(env),
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (result.status !== 0) {
    throw new Error(`${name}.mjs exited with ${result.status ?? result.signal}:\n${result.stderr}${result.stdout}`);
  }
  return { stdout: result.stdout, stderr: result.stderr };
}
