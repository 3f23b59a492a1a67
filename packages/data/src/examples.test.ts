import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir } from '../test-support/ensure-built.js';

// The README's examples run here, so they cannot drift from the API.
const run = (name: string) =>
  execFileSync(process.execPath, [join(packageDir, 'examples', name)], { encoding: 'utf8', cwd: '/' });

describe('examples/', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('mnist-batches.mjs gathers one sharded epoch', () => {
    const out = run('mnist-batches.mjs');
    expect(out).toContain('55000 5000 10000 [ 784 ] [ 10 ]');
    expect(out).toContain('gathered 55000 samples');
  });

  it('worker-shared.mjs shows a worker write in the main thread', () => {
    expect(run('worker-shared.mjs')).toContain('worker read sample 1: [ 2, 3 ] — main sees the worker write: 42');
  });

  it('churn.mjs builds the churn tensors', () => {
    expect(run('churn.mjs')).toContain('[ 4000, 10 ] [ 4000, 8 ] [ 4000, 1 ]');
  });
});
