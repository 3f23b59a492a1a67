import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

describe('examples/', () => {
  it("mnist-wide.mjs trains the lesson's wide model on real MNIST with two workers and evaluates it", async () => {
    // @ts-expect-error plain ES module
    const { main } = await import('../examples/mnist-wide.mjs');
    const lines: string[] = [];
    // 6,000 of the 55,000 training images, one epoch: enough to tell learning from guessing (10 %).
    const { history, testAccuracy, workers } = await main({
      samples: 6000,
      epochs: 1,
      workers: 2,
      verbose: 0,
      log: (line: string) => lines.push(line),
    });
    expect(workers).toBe(2);
    expect(history.history.val_accuracy[0]).toBeGreaterThan(0.85);
    expect(testAccuracy).toBeGreaterThan(0.85);
    expect(lines).toEqual([
      `2 workers, 6000 samples, 1 epochs: val_accuracy ${history.history.val_accuracy[0].toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}`,
    ]);
  });

  it('the README quotes the example as it is', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../examples/mnist-wide.mjs', import.meta.url), 'utf8');
    expect(readme).toContain(example.trim());
  });
});
