import { afterEach, describe, expect, it } from 'vitest';
import { tf } from './tf.js';
import { briefReason, ensureBackend, setBackend } from './backend.js';
import { ValueError } from './errors.js';

const saved = process.env.FNN_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.FNN_BACKEND;
  else process.env.FNN_BACKEND = saved;
});

describe('setBackend', () => {
  it("answers with tfjs's active backend, switching back when something else changed it", async () => {
    expect(await setBackend('cpu')).toBe('cpu');
    await tf.setBackend('wasm'); // behind our back, as another library might
    expect(await ensureBackend()).toBe('wasm');
    expect(await setBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await setBackend('cpu')).toBe('cpu');
  });

  it('names FNN_BACKEND, its value and the accepted values when the variable is wrong', async () => {
    process.env.FNN_BACKEND = 'nonsense';
    await expect(setBackend()).rejects.toThrow(ValueError);
    await expect(setBackend()).rejects.toThrow(
      'Expected the environment variable FNN_BACKEND to be one of auto, tensorflow, native, wasm, cpu, but got "nonsense".',
    );
    // An explicit argument wins over the variable, and is named as an argument when wrong.
    expect(await setBackend('cpu')).toBe('cpu');
    await expect(setBackend('gpu' as never)).rejects.toThrow(
      'setBackend: expected one of auto, tensorflow, native, wasm, cpu, but got "gpu".',
    );
    process.env.FNN_BACKEND = 'cpu';
    expect(await setBackend()).toBe('cpu');
  });
});

describe('briefReason (the one-line auto notice)', () => {
  it('says what is missing in a few words, without machine paths', () => {
    expect(
      briefReason(
        'The Node.js native addon module (tfjs_binding.node) can not be found at path: /a/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node.',
      ),
    ).toBe('its native library (tfjs_binding.node) is not installed');
    expect(briefReason("Cannot find module '@tensorflow/tfjs-node'")).toBe('@tensorflow/tfjs-node is not installed');
    expect(
      briefReason("@fnn/kernels is not installed (Cannot find package '@fnn/kernels' imported from /x/y.js)"),
    ).toBe('@fnn/kernels is not installed');
    expect(briefReason('native addon not built: no compiler at /usr/bin/g++')).toBe(
      'native addon not built: no compiler at g++',
    );
    const long = briefReason('x'.repeat(200));
    expect(long).toHaveLength(60);
    expect(long.endsWith('…')).toBe(true);
  });
});
