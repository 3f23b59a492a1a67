import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { idxFile } from '../../../packages/data/test-support/hostile-idx.mjs';
import { runCli } from '../test-support/cli.js';

const CONVNET = fileURLToPath(new URL('../examples/convnet.json', import.meta.url));

/** An MNIST-format folder whose images are 10×60 (600 values: not a square single-channel image). */
function writeWideImages(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, n: number) => {
    writeFileSync(join(dir, `${name}-images-idx3-ubyte`), idxFile([n, 10, 60], new Uint8Array(n * 600)));
    writeFileSync(
      join(dir, `${name}-labels-idx1-ubyte`),
      idxFile(
        [n],
        new Uint8Array(n).map((_, i) => i % 10),
      ),
    );
  };
  write('train', 5100);
  write('t10k', 100);
  return dir;
}

describe('fnn-sweep with a conv grid on data that are not square images', () => {
  it('refuses it as bad input (exit 2) before anything trains, naming the reason', async () => {
    const data = writeWideImages(join(mkdtempSync(join(tmpdir(), 'fnn-conv-cli-')), 'data'));
    const run = await runCli(['--grid', CONVNET, '--data-dir', data, '--dry-run']);
    expect(run.stderr).toMatch(/conv layers need square single-channel images, but the data has 600 values per sample/);
    expect(run.code).toBe(2);
  }, 60_000);
});
