import { beforeAll, describe, expect, test, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { resetNames, setBackend } from '@fnn/core';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

// The backend users get by default (the examples train a small model).
beforeAll(async () => {
  await setBackend('wasm');
});

/** The counts the lesson states (Keras's summary totals). */
const LESSON_TOTALS = [
  'Total params: 198,760',
  'Total params: 198,760',
  'Total params: 551',
  'Total params: 890',
  'Total params: 2,275',
];

describe('examples/', () => {
  test("functional-api.mjs prints the lesson's functional models with Keras's parameter counts", async () => {
    // @ts-expect-error plain ES module
    const { main } = await import('./functional-api.mjs');
    const lines: string[] = [];
    const { counts, churn } = await main((line: string) => lines.push(line));
    expect(lines.filter((l) => l.startsWith('Total params:'))).toEqual(LESSON_TOTALS);
    expect(Object.values(counts)).toEqual([198_760, 198_760, 551, 890, 2_275]);
    // Trained as the lesson does (10 epochs, batch 32): it must learn the rule, not the class balance.
    expect(churn.predictionShape).toEqual([500, 1]);
    expect(churn.loss).toHaveLength(10);
    expect(churn.loss.at(-1)).toBeLessThan(0.8 * churn.loss[0]);
    // The data's rule allows ~92 %; the lesson's net reaches ~88 %. Guessing the majority gives ~52 %.
    expect(churn.accuracy).toBeGreaterThan(0.8);
    expect(churn.majorityRate).toBeLessThan(0.6);
    expect(lines).toContain(
      `Churn model, 10 epochs on 1000 subscribers: loss ${churn.loss[0].toFixed(3)} -> ${churn.loss.at(-1).toFixed(3)}; accuracy on 500 new subscribers ${(100 * churn.accuracy).toFixed(1)} % (always predicting the majority class: ${(100 * churn.majorityRate).toFixed(1)} %).`,
    );
    // The churn model's table has the Connected to column and the concatenation's two rows.
    const churnStart = lines.indexOf('Churn: two inputs (programmes, demographics), concatenated');
    expect(lines[churnStart + 2]).toBe(
      'Layer (type)                    Output Shape         Param #     Connected to                     ',
    );
    expect(lines).toContain(
      'concatenate_1 (Concatenate)     (None, 18)           0           dense_3[0][0]                    ',
    );
    expect(lines).toContain(
      '                                                                 dense_5[0][0]                    ',
    );
    expect(lines).toContain('activation_1 (Activation)    (None, 250)               0         ');
    expect(lines.at(-1)).toBe('Exercise 2 has 2275 trainable parameters (the lesson counts 2275).');
  });

  test('quick-start.mjs (the README example) builds, summarizes, saves and reloads', async () => {
    const lines: string[] = [];
    resetNames();
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      // @ts-expect-error plain ES module
      await import('./quick-start.mjs');
    } finally {
      log.mockRestore();
    }
    expect(lines.filter((l) => l.startsWith('Total params:'))).toEqual(['Total params: 198,760', 'Total params: 431']);
    expect(lines).toContain(
      'input_1 (InputLayer)            (None, 20)           0                                            ',
    );
    expect(lines.at(-1)).toMatch(
      /^Saved to .*fnn-quick-start-.* and loaded back: max \|difference\| between predictions = 0$/,
    );
  });

  test('the README shows quick-start.mjs as it is', () => {
    const readme = readFileSync(here('../README.md'), 'utf8');
    const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(readFileSync(here('./quick-start.mjs'), 'utf8'));
  });

  // Runs the example as a user does, against the built package (`npm test` builds first).
  test.skipIf(!existsSync(here('../dist/index.js')))(
    '`node examples/quick-start.mjs` runs against the built @fnn/core',
    async () => {
      const { stdout } = await promisify(execFile)(process.execPath, [here('./quick-start.mjs')], {
        env: { ...process.env, FNN_BACKEND: 'wasm' },
      });
      expect(stdout.split('\n').filter((l) => l.startsWith('Total params:'))).toEqual([
        'Total params: 198,760',
        'Total params: 431',
      ]);
      expect(stdout).toMatch(/max \|difference\| between predictions = 0\n$/);
    },
  );
});
