// Runs a Node script in a child process under a hard address-space cap (prlimit --as) and a
// time bound, so a hostile-input regression fails the test instead of swapping or hanging.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BoundedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the child in milliseconds. */
  ms: number;
  /** Peak resident memory of the child in MiB, from GNU time's report (NaN when unavailable). */
  peakMb: number;
  timedOut: boolean;
}

export interface BoundedOptions {
  /** Address-space cap in MiB. wasm reserves ~10 GiB of address space, so keep such children on
   *  the native or cpu backend (FNN_BACKEND, set below to 'native' unless given). Default 3072. */
  memoryMb?: number;
  timeoutMs?: number;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `source` (an ES module's text; it may import '@fnn/…' through the test package). */
export function runBounded(source: string, options: BoundedOptions = {}): Promise<BoundedRun> {
  const {
    memoryMb = 3072,
    timeoutMs = 60_000,
    args = [],
    cwd = fileURLToPath(new URL('..', import.meta.url)),
  } = options;
  const env = { ...process.env, FNN_BACKEND: 'native', FNN_QUIET: '1', ...options.env };
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      'prlimit',
      [
        `--as=${memoryMb * 1024 * 1024}`,
        '--',
        '/usr/bin/env',
        'node',
        '--input-type=module',
        '-e',
        source,
        '--',
        ...args,
      ],
      { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const peak = /PEAK_RSS_KB=(\d+)/.exec(stdout);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        ms: Date.now() - started,
        peakMb: peak ? Number(peak[1]) / 1024 : NaN,
        timedOut,
      });
    });
  });
}

/** Append to a child's source: prints its peak RSS on exit so runBounded can report it. */
export const REPORT_PEAK_RSS =
  "process.on('exit', () => process.stdout.write('\\nPEAK_RSS_KB=' + process.resourceUsage().maxRSS + '\\n'));";

export { REPO_ROOT };
