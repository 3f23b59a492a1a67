// Issue 11, class 2: sizes declared by a model file (topology and manifest) are checked before
// anything is built, allocated or read. A topology may declare no more weight values than its
// weights hold; a manifest no more bytes than its files have; no weight more than 2^31 - 1 values.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { layers, loadModel, MAX_WEIGHT_VALUES, modelFromArtifacts, sequential, setBackend, tf } from '../index.js';
import { expectRefused, literally, tempFolders } from './test-support.js';

const folders = tempFolders('fnn-declared-sizes-');
beforeAll(async () => {
  await setBackend('cpu');
  await folders.create();
});
afterAll(folders.remove);

const glorot = { class_name: 'GlorotUniform', config: { seed: null } };
const denseLayer = (name: string, units: number, inputDim?: number) => ({
  class_name: 'Dense',
  config: {
    name,
    units,
    activation: 'relu',
    use_bias: true,
    kernel_initializer: glorot,
    bias_initializer: { class_name: 'Zeros', config: {} },
    ...(inputDim === undefined ? {} : { batch_input_shape: [null, inputDim], dtype: 'float32' }),
  },
});
const sequentialTopology = (...layerList: object[]) => ({
  class_name: 'Sequential',
  config: { name: 'hostile', layers: layerList },
});
const spec = (name: string, shape: number[]) => ({ name, shape, dtype: 'float32' });

/** A model folder with this topology and manifest, and a weights.bin of `bytes` zero bytes. */
async function modelFolder(topology: object, weights: object[], bytes: number): Promise<string> {
  const dir = folders.fresh();
  await mkdir(dir);
  await writeFile(join(dir, 'weights.bin'), new Uint8Array(bytes));
  const modelJson = join(dir, 'model.json');
  await writeFile(
    modelJson,
    JSON.stringify({
      modelTopology: topology,
      format: 'layers-model',
      weightsManifest: [{ paths: ['weights.bin'], weights }],
    }),
  );
  return modelJson;
}

/** Whatever happens, tfjs holds no more bytes afterwards than before (nothing big was allocated and kept). */
async function expectNothingAllocated(attempt: () => Promise<unknown>): Promise<void> {
  const before = tf.memory().numBytes;
  await attempt();
  expect(tf.memory().numBytes).toBe(before);
}

describe('a topology may declare no more weight values than its weights hold', () => {
  test('a 15000×15000 Dense with a 104-byte weights file is refused before its kernel exists', async () => {
    // The manifest matches the file (26 values); the topology asks for 225 million.
    const modelJson = await modelFolder(
      sequentialTopology(denseLayer('dense_1', 15000, 15000)),
      [spec('dense_1/kernel', [5, 5]), spec('dense_1/bias', [1])],
      104,
    );
    await expectNothingAllocated(() =>
      expectRefused(
        () => loadModel(modelJson),
        literally(
          `loadModel: model file ${modelJson}: Layer dense_1 declares weight dense_1/kernel of shape [15000, 15000] (225,000,000 values), but the weights hold only 26 values in all; the topology does not match its weights.`,
        ),
      ),
    );
  });

  test('the layers built before the oversized one are disposed', async () => {
    // 3 small layers fit (10·8+8 + 8·8+8 + 8·8+8 = 232 values), the fourth does not.
    const modelJson = await modelFolder(
      sequentialTopology(denseLayer('d1', 8, 10), denseLayer('d2', 8), denseLayer('d3', 8), denseLayer('d4', 100000)),
      [spec('all', [240])],
      960,
    );
    await expectNothingAllocated(() =>
      expectRefused(
        () => loadModel(modelJson),
        /Layer d4 declares weight d4\/kernel of shape \[8, 100000\] \(800,000 values\), but the weights hold only 240 values in all, 8 of them left for this weight/,
      ),
    );
  });

  test('huge shapes reached through Flatten, Conv2D and BatchNormalization are refused the same way', async () => {
    const flatten = sequentialTopology(
      { class_name: 'Flatten', config: { name: 'flat', batch_input_shape: [null, 3000, 3000] } },
      denseLayer('out', 10),
    );
    const conv = sequentialTopology({
      class_name: 'Conv2D',
      config: {
        name: 'conv',
        filters: 4096,
        kernel_size: [64, 64],
        batch_input_shape: [null, 64, 64, 16],
        kernel_initializer: glorot,
      },
    });
    const bn = sequentialTopology({
      class_name: 'BatchNormalization',
      config: { name: 'bn', batch_input_shape: [null, 50_000_000] },
    });
    for (const [topology, weight] of [
      [flatten, 'out/kernel of shape [9000000, 10] (90,000,000 values)'],
      [conv, 'conv/kernel of shape [64, 64, 16, 4096] (268,435,456 values)'],
      [bn, 'bn/gamma of shape [50000000] (50,000,000 values)'],
    ] as const) {
      const modelJson = await modelFolder(topology, [spec('w', [4])], 16);
      await expectNothingAllocated(() =>
        expectRefused(
          () => loadModel(modelJson),
          literally(`declares weight ${weight}, but the weights hold only 4 values`),
        ),
      );
    }
  });

  test('in-memory artifacts (any IOHandler) are budgeted by the bytes they carry', async () => {
    await expectNothingAllocated(() =>
      expectRefused(
        () =>
          modelFromArtifacts({
            modelTopology: sequentialTopology(denseLayer('big', 20000, 20000)),
            weightSpecs: [spec('big/kernel', [2, 2])],
            weightData: new ArrayBuffer(16),
          }),
        /modelFromArtifacts: Layer big declares weight big\/kernel of shape \[20000, 20000\] \(400,000,000 values\), but the weights hold only 4 values/,
      ),
    );
  });
});

describe('a weight holds at most 2^31 - 1 values, whatever declares it', () => {
  test('a topology beyond the cap is refused even before the budget is looked at', async () => {
    const modelJson = await modelFolder(sequentialTopology(denseLayer('dense_1', 50000, 50000)), [spec('w', [1])], 4);
    await expectRefused(
      () => loadModel(modelJson),
      literally(
        `loadModel: model file ${modelJson}: layer "dense_1" (Dense): weight dense_1/kernel would have shape [50000, 50000], 2,500,000,000 values; a weight holds at most 2,147,483,647 values (2^31 - 1).`,
      ),
    );
    expect(MAX_WEIGHT_VALUES).toBe(2 ** 31 - 1);
  });

  test('a layer built in code with huge units gets a ValueError, not "Invalid typed array length"', () => {
    for (const [units, inputDim, values] of [
      [1e10, 10, '100,000,000,000'],
      [2 ** 31, 1, '2,147,483,648'],
      [4e15, 4e15, '1.600e+31'],
    ] as const) {
      const before = tf.memory().numTensors;
      expect(() => sequential([layers.dense({ units, inputDim })])).toThrow(
        literally(`weight dense`) &&
          new RegExp(
            `would have shape \\[.+\\], ${values.replace(/[.+]/g, '\\$&')} values; a weight holds at most 2,147,483,647 values`,
          ),
      );
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});

describe('a manifest may declare no more bytes than its files hold', () => {
  test('a manifest declaring a 15000×15000 kernel over a 104-byte file is refused before reading', async () => {
    const modelJson = await modelFolder(
      sequentialTopology(denseLayer('dense_1', 15000, 15000)),
      [spec('dense_1/kernel', [15000, 15000]), spec('dense_1/bias', [15000])],
      104,
    );
    await expectNothingAllocated(() =>
      expectRefused(
        () => loadModel(modelJson),
        literally(
          `holds 104 bytes, but the weightsManifest lists 225015000 float32 values (900060000 bytes): the file is truncated or does not belong to this model.json.`,
        ),
      ),
    );
  });

  test('manifest shapes beyond the cap, of too many dimensions, negative or fractional are refused', async () => {
    for (const [shape, message] of [
      [
        [65536, 65536],
        /weightsManifest entry w has shape \[65536, 65536\], 4294967296 values; a weight holds at most 2147483647 values/,
      ],
      [
        [1, 1, 1, 1, 1, 1, 1, 1, 1],
        /with a shape of at most 8 non-negative integers, but got \{"name":"w","shape":\[1,1,1,1,1,1,1,1,1\]/,
      ],
      [[-4], /with a shape of at most 8 non-negative integers/],
      [[2.5], /with a shape of at most 8 non-negative integers/],
      [Array.from({ length: 100000 }, () => 1), /with a shape of at most 8 non-negative integers/],
    ] as const) {
      const modelJson = await modelFolder(sequentialTopology(denseLayer('d', 1, 1)), [spec('w', [...shape])], 16);
      const error = await expectRefused(() => loadModel(modelJson), message);
      expect(error.message.length).toBeLessThan(600); // a 100000-entry shape is not echoed whole
    }
  });
});
