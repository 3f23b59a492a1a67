import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeFolder, collectEnvironment, gitCommit } from './environment.js';

describe('reproducibility metadata', () => {
  it("records the repository's HEAD (git's own answer), and null outside a repository", () => {
    const here = process.cwd();
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
    expect(gitCommit(here)).toMatch(new RegExp(`^${head}(-dirty)?$`));
    expect(gitCommit(mkdtempSync(join(tmpdir(), 'fnn-not-a-repo-')))).toBeNull();
  });

  it('marks a repository with changed tracked files as dirty', () => {
    const repo = mkdtempSync(join(tmpdir(), 'fnn-repo-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    execFileSync('sh', ['-c', 'echo a > f'], { cwd: repo });
    git('add', 'f');
    git('commit', '-qm', 'a');
    const head = git('rev-parse', 'HEAD').trim();
    expect(gitCommit(repo)).toBe(head);
    execFileSync('sh', ['-c', 'echo b > f'], { cwd: repo });
    expect(gitCommit(repo)).toBe(`${head}-dirty`);
  });

  it("asks the repository of the sweep's own code, wherever the user's shell is; an installed package asks the shell's", () => {
    const here = process.cwd();
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
    // Run from a folder outside any repository, the commit is still the code's.
    process.chdir(tmpdir());
    try {
      expect(collectEnvironment({ backend: 'wasm', seeds: [1] }).gitCommit).toMatch(new RegExp(`^${head}(-dirty)?$`));
    } finally {
      process.chdir(here);
    }
    expect(codeFolder('/home/me/fnn/apps/sweep/dist/', '/home/me/project')).toBe('/home/me/fnn/apps/sweep/dist/');
    expect(codeFolder('/home/me/project/node_modules/@fnn/sweep/dist/', '/home/me/project')).toBe('/home/me/project');
  });

  it('lists the seeds once each, in order, with the backend and data fingerprint given', () => {
    const env = collectEnvironment({ backend: 'wasm', seeds: [3, 1, 3, 2], dataFingerprint: 'abc', cwd: tmpdir() });
    expect(env).toMatchObject({ backend: 'wasm', seeds: [1, 2, 3], dataFingerprint: 'abc', gitCommit: null });
    expect(env.node).toBe(process.version);
  });
});
