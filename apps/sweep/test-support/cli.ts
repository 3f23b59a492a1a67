import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI (tests run after `pnpm build`, as CI does). */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node dist/cli.js ...args` with piped output (so the CLI logs plain lines). `onStderr`
 * sees the stderr text so far after every chunk and may act on it (e.g. send SIGINT).
 */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; onStderr?: (text: string, child: ReturnType<typeof spawn>) => void } = {},
): Promise<CliRun> {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: build first (npx tsc -p apps/sweep/tsconfig.json, or pnpm build).`);
  return collect(spawn(process.execPath, [CLI, ...args], spawnOptions(options.env)), options.onStderr);
}

/** Runs a command line in a POSIX shell from this folder, as a user would paste one the CLI printed. */
export function runShell(command: string): Promise<CliRun> {
  return collect(spawn('sh', ['-c', command], spawnOptions()));
}

function spawnOptions(env: Record<string, string> = {}) {
  return { env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
}

function collect(
  child: ReturnType<typeof spawn>,
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
