import { describe, expect, it } from 'vitest';
import { commandLine, pathForCommand, quote } from './invocation.js';

// Issue 15: the resume hint prints a command that works as the user invoked the sweep.
describe('commandLine', () => {
  const root = '/home/me/fnn';
  const viaScript = (agent: string) => ({
    argv: ['/usr/bin/node', `${root}/apps/sweep/dist/cli.js`],
    cwd: root,
    env: {
      npm_lifecycle_event: 'sweep',
      npm_lifecycle_script: 'node apps/sweep/dist/cli.js',
      npm_config_user_agent: agent,
      INIT_CWD: root,
    },
  });

  it('repeats a package script the way it was run', () => {
    expect(commandLine(['--resume', 'runs/a'], viaScript('npm/10.8.2 node/v20.20.2 linux x64'))).toBe(
      'npm run sweep -- --resume runs/a',
    );
    expect(commandLine(['--resume', 'runs/a'], viaScript('pnpm/10.34.8 npm/? node/v20.20.2 linux x64'))).toBe(
      'pnpm sweep --resume runs/a',
    );
  });

  it('names pnpm through npx when npx fetched it (a bare pnpm is not on the PATH then)', () => {
    // The environment `npx pnpm@10.34.8 sweep` gives the script (recorded from a real run).
    const base = viaScript('pnpm/10.34.8 npm/? node/v20.20.2 linux x64');
    const from = (execpath: string) => ({ ...base, env: { ...base.env, npm_execpath: execpath } });
    expect(
      commandLine(['--resume', 'runs/a'], from('/root/.npm/_npx/a06d2b138219b6ef/node_modules/pnpm/bin/pnpm.cjs')),
    ).toBe('npx pnpm@10.34.8 sweep --resume runs/a');
    expect(commandLine(['--resume', 'runs/a'], from('/usr/local/lib/node_modules/pnpm/bin/pnpm.cjs'))).toBe(
      'pnpm sweep --resume runs/a',
    );
  });

  it('otherwise repeats node and the script, relative to the current folder when inside it', () => {
    const plain = { argv: ['/usr/bin/node', `${root}/apps/sweep/dist/cli.js`], cwd: root, env: {} };
    expect(commandLine(['--resume', 'runs/a b'], plain)).toBe("node apps/sweep/dist/cli.js --resume 'runs/a b'");
    expect(commandLine(['--resume', '/tmp/x'], { ...plain, cwd: '/tmp' })).toBe(
      `node ${root}/apps/sweep/dist/cli.js --resume /tmp/x`,
    );
  });

  it('names the folder relative only where the command will run from the same folder', () => {
    expect(pathForCommand(`${root}/runs/a`, { argv: [], cwd: root, env: {} })).toBe('runs/a');
    expect(pathForCommand('/tmp/x', { argv: [], cwd: root, env: {} })).toBe('/tmp/x');
    // npm ran the script from the package folder while the user typed it in a subfolder.
    expect(pathForCommand(`${root}/runs/a`, { argv: [], cwd: root, env: { INIT_CWD: `${root}/apps` } })).toBe(
      `${root}/runs/a`,
    );
  });

  it('quotes for a POSIX shell', () => {
    expect(quote("it's")).toBe(`'it'\\''s'`);
    expect(quote('runs/2026-08-20T14-03-05')).toBe('runs/2026-08-20T14-03-05');
  });
});
