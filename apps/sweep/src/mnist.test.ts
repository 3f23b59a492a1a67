import { loadModel, setBackend, tf } from '@fnn/core';
import { loadMnist } from '@fnn/data';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from './results-store.js';
import { runCli } from '../test-support/cli.js';

describe('fnn-sweep --quick on real MNIST (a subset)', () => {
  it('trains wide and its functional rewrite to the same, lesson-like accuracy and saves loadable models', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fnn-mnist-')), 'sweep');
    const run = await runCli([
      '--quick',
      '--only',
      'wide,functional-wide',
      '--limit-train',
      '12000',
      '--limit-eval',
      '2000',
      '--save-models',
      '--out',
      out,
      '--backend',
      'wasm',
    ]);
    expect(run.code).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsFile;
    const [wide, functional] = results.runs;
    expect(wide).toMatchObject({ id: 'wide', status: 'finished', params: 198_760, trainSize: 12_000 });
    // One epoch over 12,000 images (94 steps of Adam) already separates most digits.
    expect(wide!.final!.valAccuracy).toBeGreaterThan(0.88);
    expect(wide!.final!.testAccuracy).toBeGreaterThan(0.86);
    // Same layers, same seed, same data order: the functional rewrite is the same model (lesson part 2.1).
    expect(functional!.final!.valAccuracy).toBeCloseTo(wide!.final!.valAccuracy, 5);
    expect(functional!.summary).toContain('input_1 (InputLayer)');

    // The saved model (tfjs-layers format) reproduces the recorded test accuracy.
    expect(existsSync(join(out, 'models', 'wide', 'model.json'))).toBe(true);
    await setBackend('wasm');
    const model = await loadModel(`file://${join(out, 'models', 'wide', 'model.json')}`);
    const test = loadMnist().test.slice(0, 2000);
    const { x, y } = test.toTensors(tf);
    const predicted = tf.argMax(model.predict(x) as tf.Tensor, -1);
    const actual = tf.argMax(y, -1);
    const accuracy = tf.mean(tf.cast(tf.equal(predicted, actual), 'float32')).dataSync()[0]!;
    expect(accuracy).toBeCloseTo(wide!.final!.testAccuracy, 6);
    // The report's confusion matrix: the same model's test-set predictions, counted by (actual, predicted).
    const counts = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    const p = predicted.dataSync();
    actual.dataSync().forEach((a, i) => {
      counts[a]![p[i]!]! += 1;
    });
    expect(wide!.testConfusion).toEqual(counts);
  });
});
