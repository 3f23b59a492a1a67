import { setBackend, tf, type Tensor } from '@fnn/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCompiledModel } from './build-model.js';
import { defaultRuns } from './run-config.js';
import { evaluate } from './run-task.js';
import { loadSweepData } from './sweep-data.js';

describe('evaluate', () => {
  beforeAll(async () => {
    await setBackend('wasm');
  });

  it("returns the test set's confusion matrix: rows are the labels' counts, its diagonal the accuracy", () => {
    const data = loadSweepData({ limitTrain: 100, limitEval: 500 });
    const model = buildCompiledModel(defaultRuns().find((r) => r.id === 'wide')!, {
      inputSize: data.inputSize,
      classes: data.classes,
    });
    const before = tf.memory().numTensors;
    const { accuracy, confusion } = evaluate(model, data.test);
    expect(tf.memory().numTensors).toBe(before);
    expect(confusion).toHaveLength(10);
    // Each row sums to how many test images carry that label.
    const { y } = data.test.toTensors(tf);
    const labels = tf.argMax(y, -1) as Tensor;
    const counts = Array.from({ length: 10 }, () => 0);
    for (const label of labels.dataSync()) counts[label]! += 1;
    tf.dispose([y, labels]);
    expect(confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(counts);
    // Its diagonal is what model.evaluate counts as accurate (an untrained model: far from all).
    const right = confusion.reduce((n, row, i) => n + row[i]!, 0);
    expect(right / 500).toBeCloseTo(accuracy, 6);
    model.dispose();
  });
});
