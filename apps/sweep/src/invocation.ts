import { isAbsolute, relative } from 'node:path';

/** How the user started this process: enough to print a command that works the same way. */
export interface Invocation {
  /** process.argv: node, the script, the arguments. */
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * A command line that runs the CLI with `args` the way it was started: `npm run sweep -- …`,
 * `pnpm sweep …`, `npx pnpm@10.34.8 sweep …` or `yarn sweep …` when started by a package script, else the same node +
 * script as this process (the script relative to the current folder when inside it).
 */
export function commandLine(args: string[], invocation: Invocation = current()): string {
  const { argv, env, cwd } = invocation;
  const script = env.npm_lifecycle_event;
  if (script && env.npm_lifecycle_script?.includes('cli.js')) {
    const agent = /^(pnpm|yarn)\/(\S+)/.exec(env.npm_config_user_agent ?? '');
    if (agent) return [...packageManager(agent[1]!, agent[2]!, env), script, ...args].map(quote).join(' ');
    return ['npm', 'run', script, '--', ...args].map(quote).join(' ');
  }
  const node = argv[0] ?? 'node';
  const cli = argv[1] ?? 'cli.js';
  const nodeName = node.endsWith('/node') || node === 'node' ? 'node' : node;
  const shown = isAbsolute(cli) && !relative(cwd, cli).startsWith('..') ? relative(cwd, cli) : cli;
  return [nodeName, shown, ...args].map(quote).join(' ');
}

/**
 * pnpm or yarn as the user ran it: `npx pnpm@10.34.8` when npx fetched it into its cache (then it
 * is not on the PATH, and a bare `pnpm` would not be found), else the bare name.
 */
function packageManager(name: string, version: string, env: NodeJS.ProcessEnv): string[] {
  const viaNpx = /[\\/]_npx[\\/]/.test(env.npm_execpath ?? '');
  return viaNpx ? ['npx', `${name}@${version}`] : [name];
}

/**
 * A folder as the command line should name it: relative when inside the current folder and the
 * user's shell is there too (npm and pnpm run scripts from the package's folder, which is not
 * necessarily where the user typed the command: INIT_CWD), else absolute.
 */
export function pathForCommand(dir: string, invocation: Invocation = current()): string {
  const { env, cwd } = invocation;
  const rel = relative(cwd, dir);
  const userIsHere = env.INIT_CWD === undefined || env.INIT_CWD === cwd;
  return userIsHere && rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : dir;
}

function current(): Invocation {
  return { argv: process.argv, env: process.env, cwd: process.cwd() };
}

/** Quotes for a POSIX shell when needed: `runs/a b` → `'runs/a b'`. */
export function quote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
