import { execFileSync } from 'node:child_process';
import { arch, cpus, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { commandLine } from './invocation.js';
import { sweepVersion } from './options.js';

/** What it takes to reproduce a sweep: recorded in results.json and shown in report.html. */
export interface SweepEnvironment {
  /** The command as the user ran it (`npm run sweep -- …` when started by the package script). */
  command: string;
  /**
   * HEAD of the git repository the sweep's code is in (a checkout of this project; else, for an
   * installed package, the folder it ran in), with `-dirty` when tracked files had changes; null outside one.
   */
  gitCommit: string | null;
  packageVersion: string;
  node: string;
  os: string;
  cpu: string;
  backend: string;
  /** The seeds of the runs (each run's is in its config). */
  seeds: number[];
  /** SHA-256 of the images and labels trained, validated and tested on (see dataFingerprint). */
  dataFingerprint: string | null;
}

export interface EnvironmentRequest {
  backend: string;
  seeds: number[];
  dataFingerprint?: string | null;
  /** Where to ask git (default: codeFolder()). */
  cwd?: string;
}

/**
 * The folder whose repository says which code ran: this file's own (a checkout of the project,
 * wherever the user's shell is), except in an installed package, where the folder the sweep ran
 * in is the user's project.
 */
export function codeFolder(here = fileURLToPath(new URL('.', import.meta.url)), cwd = process.cwd()): string {
  return /[\\/]node_modules[\\/]/.test(here) ? cwd : here;
}

export function collectEnvironment(request: EnvironmentRequest): SweepEnvironment {
  const cpu = cpus();
  return {
    command: commandLine(process.argv.slice(2)),
    gitCommit: gitCommit(request.cwd ?? codeFolder()),
    packageVersion: sweepVersion(),
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    cpu: `${cpu[0]?.model.trim() ?? 'unknown'} × ${cpu.length}`,
    backend: request.backend,
    seeds: [...new Set(request.seeds)].sort((a, b) => a - b),
    dataFingerprint: request.dataFingerprint ?? null,
  };
}

/** `git rev-parse HEAD` (+ `-dirty`), or null when git or a repository is missing; bounded in time. */
export function gitCommit(cwd: string): string | null {
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  try {
    const head = git(['rev-parse', 'HEAD']);
    if (!/^[0-9a-f]{40,64}$/.test(head)) return null;
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}
