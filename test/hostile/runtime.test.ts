// Misuse of a model and of the backend at run time, each in a child process under a memory cap
// and a time bound (a stuck or runaway case fails instead of hanging the suite).
import { describe, expect, it } from 'vitest';
import { REPORT_PEAK_RSS, runBounded } from './bounded-child.js';

/** Runs `body` (async, with `fnn`, `tf` and a helper `caught(promiseOrFn)` in scope) and returns what it printed as JSON. */
async function runChild(body: string, env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
  const run = await runBounded(
    `${REPORT_PEAK_RSS}
     import * as fnn from '@fnn/core';
     const { tf } = fnn;
     const caught = async (f) => { try { await f(); return 'no error'; } catch (e) { return e.name + ': ' + e.message; } };
     const out = {};
     ${body}
     console.log('RESULT ' + JSON.stringify(out));`,
    { timeoutMs: 60_000, env },
  );
  expect(run.timedOut, run.stderr).toBe(false);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(/^RESULT (.*)$/m.exec(run.stdout)![1]!);
}

const MODEL = `
  const makeModel = () => {
    const m = fnn.sequential({ layers: [
      fnn.layers.dense({ units: 8, inputShape: [4], activation: 'relu', kernelInitializer: fnn.initializers.glorotUniform({ seed: 1 }) }),
      fnn.layers.dense({ units: 1, kernelInitializer: fnn.initializers.glorotUniform({ seed: 2 }) }),
    ] });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    return m;
  };
  const x = tf.randomNormal([256, 4], 0, 1, 'float32', 3);
  const y = tf.randomNormal([256, 1], 0, 1, 'float32', 4);`;

describe('runtime misuse on the native backend', () => {
  it('two fits at once on one model: the second is refused and the first trains as if alone', async () => {
    const out = await runChild(`
      await fnn.setBackend('native');
      ${MODEL}
      const alone = makeModel();
      await alone.fit(x, y, { epochs: 4, batchSize: 16, seed: 7, verbose: 0 });
      const m = makeModel();
      const first = m.fit(x, y, { epochs: 4, batchSize: 16, seed: 7, verbose: 0 });
      out.second = await caught(() => m.fit(x, y, { epochs: 4, batchSize: 16, seed: 8, verbose: 0 }));
      await first;
      const flat = (model) => model.getWeights().flatMap((w) => Array.from(w.dataSync()));
      out.same = JSON.stringify(flat(m)) === JSON.stringify(flat(alone));
      out.name = m.name;`);
    expect(out.second).toBe(
      `RuntimeError: fit (model ${out.name}): another fit is still running on this model; await it first.`,
    );
    expect(out.same).toBe(true);
  });

  it('after dispose, predict/evaluate/fit/save say so, and every tensor of the model is freed', async () => {
    const out = await runChild(`
      await fnn.setBackend('native');
      ${MODEL}
      const before = tf.memory().numTensors;
      const m = makeModel();
      await m.fit(x, y, { epochs: 1, verbose: 0 });
      m.dispose();
      out.leaked = tf.memory().numTensors - before;
      out.predict = await caught(() => m.predict(x));
      out.evaluate = await caught(() => m.evaluate(x, y));
      out.fit = await caught(() => m.fit(x, y, { verbose: 0 }));
      out.save = await caught(() => m.save('file:///nonexistent-dir/model'));
      out.name = m.name;`);
    expect(out.leaked).toBe(0);
    for (const op of ['predict', 'evaluate', 'fit', 'save']) {
      expect(out[op]).toBe(
        `RuntimeError: Model ${out.name} was disposed: ${op} needs its weights, which dispose() freed. Build or load the model again.`,
      );
    }
  });

  it('a tensor as validationData is named as such', async () => {
    const out = await runChild(`
      await fnn.setBackend('native');
      ${MODEL}
      const m = makeModel();
      out.error = await caught(() => m.fit(x, y, { validationData: x, verbose: 0 }));
      out.name = m.name;`);
    expect(out.error).toBe(
      `ValueError: fit (model ${out.name}): expected validationData to be [x, y] (each a tensor or an array of tensors), but got a tensor of shape (256, 4).`,
    );
  });
});

describe('backend selection', () => {
  it("setBackend('native') switches back when tfjs was moved to another backend since", async () => {
    const out = await runChild(`
      out.first = await fnn.setBackend('native');
      await tf.setBackend('cpu');
      out.again = await fnn.setBackend('native');
      out.active = tf.getBackend();`);
    expect(out).toEqual({ first: 'native', again: 'native', active: 'native' });
  });

  it('FNN_BACKEND=nonsense: the error names the variable, the value and the accepted values', async () => {
    const out = await runChild(`out.error = await caught(() => fnn.setBackend());`, { FNN_BACKEND: 'nonsense' });
    expect(out.error).toBe(
      'ValueError: Expected the environment variable FNN_BACKEND to be one of auto, tensorflow, native, wasm, cpu, but got "nonsense".',
    );
  });

  it("setBackend('auto') reports in one short line", async () => {
    // FNN_BACKEND empty counts as unset (auto); the cap allows wasm's reservation should native be missing.
    const run = await runBounded(`import * as fnn from '@fnn/core'; console.log(await fnn.setBackend());`, {
      env: { FNN_BACKEND: '', FNN_QUIET: '' },
      memoryMb: 16384,
      timeoutMs: 60_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^\\[fnn\\] backend: ${run.stdout.trim()}( \\(skipped .*\\))?$`));
    expect(lines[0]!.length).toBeLessThanOrEqual(120);
  });
});
