import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The root README's example must keep working: run it (one epoch instead of five) on real MNIST.
const run = promisify(execFile);
const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

describe('README example', () => {
  it('trains the wide model on real MNIST and reports Keras-style validation accuracy', async () => {
    const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README.md has a ```js block').toBeDefined();
    expect(block).toContain('epochs: 5');
    // A file inside test/ so that '@fnn/core' and '@fnn/data' resolve to the workspace packages.
    const script = fileURLToPath(new URL(`./.readme-example-${process.pid}.mjs`, import.meta.url));
    writeFileSync(script, block!.replace('epochs: 5', 'epochs: 1'));
    try {
      const { stdout } = await run(process.execPath, [script], {
        env: { ...process.env, FNN_QUIET: '1' },
        maxBuffer: 1 << 24,
      });
      expect(stdout).toContain('Total params: 198,760');
      const accuracy = Number(/val_accuracy: ([0-9.]+)/.exec(stdout)?.[1]);
      expect(accuracy).toBeGreaterThanOrEqual(0.95);
    } finally {
      rmSync(script, { force: true });
    }
  });
});
