// Property-based checks of @fnn/core's model-file parsing, run by model-files.test.ts in a child
// process under a memory cap: random and mutated model.json topologies, weight manifests, weight
// data and training configs never crash, never keep tensors after a refusal, never build a model
// larger than the weights present, and end either in a model or in @fnn/core's ValueError.
// Usage: node model-json-properties.mjs <numRuns> <seed> <folder>
import { execFileSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import * as fnn from '@fnn/core';

// Run as a script (argv: node, script, ...) or imported by `node -e` (argv: node, ...).
const args = process.argv.slice(process.argv[1]?.endsWith('.mjs') ? 2 : 1).filter((a) => a !== '--');
const [numRuns = 200, seed = 1, folder] = args;
const runs = Number(numRuns);
await fnn.ensureBackend();
const { tf, ValueError } = fnn;

/** Small real models of every layer class, compiled so their artifacts carry a trainingConfig. */
function baseModels() {
  fnn.resetNames();
  const seq = fnn.sequential([
    fnn.layers.dense({ units: 6, inputShape: [5], activation: 'relu' }),
    fnn.layers.batchNormalization(),
    fnn.layers.dropout({ rate: 0.2 }),
    fnn.layers.dense({ units: 3, activation: 'softmax' }),
  ]);
  seq.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const a = fnn.input({ shape: [4] });
  const b = fnn.input({ shape: [4] });
  const h = fnn.layers.dense({ units: 4, activation: 'tanh' }).apply(a);
  const merged = fnn.concatenate([h, fnn.add([h, b])]);
  const functional = fnn.model({
    inputs: [a, b],
    outputs: fnn.layers.dense({ units: 1, activation: 'sigmoid' }).apply(merged),
  });
  functional.compile({
    optimizer: fnn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }),
    loss: 'binaryCrossentropy',
  });
  const conv = fnn.sequential([
    fnn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1], activation: 'relu' }),
    fnn.layers.maxPooling2d({ poolSize: 2 }),
    fnn.layers.flatten(),
    fnn.layers.reshape({ targetShape: [8] }),
    fnn.layers.activation({ activation: 'linear' }),
    fnn.layers.dense({ units: 2 }),
  ]);
  conv.compile({ optimizer: 'rmsprop', loss: 'mse' });
  return [seq, functional, conv].map((m) => {
    const artifacts = fnn.modelArtifacts(m);
    m.dispose();
    return artifacts;
  });
}
const bases = baseModels();

/** Values a hostile file might hold where a number, string, list or object was. */
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(0, -1, 1.5, 1e9, 2 ** 31, 2 ** 53, 1e308, -1e308, '', '__proto__', 'constructor', null, [], {}),
  fc.constantFrom([null, 1e6, 1e6], [1e5, 1e5], [-3], 'Dense', 'Sequential', 'Model', 'relu', 'nowhere'),
  fc.constant({ __proto__: null, ['__proto__']: { polluted: true } }),
  fc.integer({ min: 1, max: 200 }).map((depth) => {
    let v = 1;
    for (let i = 0; i < depth; i++) v = [v];
    return v;
  }),
);

/** Every path (list of keys) in a JSON value. */
function pathsOf(value, path = [], out = []) {
  out.push(path);
  if (value !== null && typeof value === 'object')
    for (const key of Object.keys(value)) pathsOf(value[key], [...path, Array.isArray(value) ? Number(key) : key], out);
  return out;
}

/** Applies one mutation at the path chosen by `pick`: replace, delete, duplicate, or add a forbidden key. */
function mutate(root, [pick, kind, shared]) {
  // fast-check reuses constant values between runs: insert copies, never the values themselves.
  const value = structuredClone(shared);
  const paths = pathsOf(root).filter((p) => p.length > 0);
  if (paths.length === 0) return root;
  const path = paths[pick % paths.length];
  let parent = root;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const key = path.at(-1);
  if (kind === 0) parent[key] = value;
  else if (kind === 1) Array.isArray(parent) ? parent.splice(key, 1) : delete parent[key];
  else if (kind === 2 && Array.isArray(parent)) parent.splice(key, 0, structuredClone(parent[key]));
  else if (kind === 3 && parent[key] !== null && typeof parent[key] === 'object' && !Array.isArray(parent[key]))
    Object.defineProperty(parent[key], ['__proto__', 'constructor', 'prototype'][pick % 3], {
      value: { polluted: true },
      enumerable: true,
      configurable: true,
      writable: true,
    });
  else parent[key] = value;
  return root;
}

const mutations = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 }), hostileValue), {
  minLength: 1,
  maxLength: 4,
});
const weightBytes = fc.oneof(
  fc.constant('same'),
  fc.nat({ max: 4096 }).map((n) => n * 4),
  fc.nat({ max: 64 }),
);

const counts = { loaded: 0, refused: 0 };

/** Loads with `attempt`; anything but a model or a ValueError (and a leak after a refusal) fails the property. */
async function check(attempt, weightDataBytes) {
  const before = tf.memory().numTensors;
  let model;
  try {
    model = await attempt();
  } catch (error) {
    if (!(error instanceof ValueError)) throw new Error(`not a ValueError: ${error?.stack ?? error}`);
    if (tf.memory().numTensors !== before)
      throw new Error(`a refusal left ${tf.memory().numTensors - before} tensors: ${error.message}`);
    counts.refused++;
    return;
  }
  counts.loaded++;
  // The budget: a loaded model holds no more values than the weight data carried.
  if (model.countParams() * 4 > weightDataBytes)
    throw new Error(`a model of ${model.countParams()} values was built from ${weightDataBytes} bytes`);
  model.dispose();
  if (tf.memory().numTensors !== before) throw new Error('dispose() left tensors');
}

function dataOf(base, bytes) {
  const original = new Uint8Array(base.weightData);
  if (bytes === 'same') return original.slice().buffer;
  const data = new Uint8Array(bytes);
  data.set(original.subarray(0, bytes));
  return data.buffer;
}

// 1. Anything at all as artifacts.
await fc.assert(
  fc.asyncProperty(
    fc.record({
      modelTopology: fc.oneof(fc.jsonValue(), hostileValue),
      weightSpecs: fc.oneof(
        fc.jsonValue(),
        fc.array(fc.record({ name: fc.string(), shape: fc.array(fc.integer()), dtype: fc.constant('float32') })),
      ),
      weightData: fc.uint8Array({ maxLength: 256 }).map((a) => a.buffer),
      trainingConfig: fc.option(fc.jsonValue()),
    }),
    (artifacts) => check(() => fnn.modelFromArtifacts(artifacts), artifacts.weightData.byteLength),
  ),
  { numRuns: runs, seed: Number(seed) },
);

// 2. Real artifacts (topology, specs, training config) with a few hostile mutations, in memory.
await fc.assert(
  fc.asyncProperty(fc.nat(), mutations, weightBytes, async (which, changes, bytes) => {
    const base = bases[which % bases.length];
    const tree = structuredClone({
      modelTopology: base.modelTopology,
      weightSpecs: base.weightSpecs,
      trainingConfig: base.trainingConfig,
    });
    for (const change of changes) mutate(tree, change);
    const weightData = dataOf(base, bytes);
    await check(() => fnn.modelFromArtifacts({ ...tree, weightData }), weightData.byteLength);
  }),
  { numRuns: runs, seed: Number(seed) + 1 },
);

// 3. The same through real files, with hostile weight paths in the manifest.
const weightPath = fc.oneof(
  fc.constantFrom(
    'weights.bin',
    './weights.bin',
    'sub/../weights.bin',
    '../weights.bin',
    '/etc/passwd',
    '/dev/zero',
    '',
    '.',
    'sub',
    'link-out',
    'pipe',
  ),
  fc.string({ maxLength: 12 }),
);
let count = 0;
await mkdir(folder, { recursive: true });
await fc.assert(
  fc.asyncProperty(
    fc.nat(),
    fc.option(mutations),
    weightBytes,
    fc.array(weightPath, { minLength: 1, maxLength: 3 }),
    async (which, changes, bytes, paths) => {
      const base = bases[which % bases.length];
      const dir = join(folder, `m${count++}`);
      await mkdir(join(dir, 'sub'), { recursive: true });
      const weightData = dataOf(base, bytes);
      await writeFile(join(dir, 'weights.bin'), new Uint8Array(weightData));
      await symlink('/etc/passwd', join(dir, 'link-out'));
      if (paths.includes('pipe')) execFileSync('mkfifo', [join(dir, 'pipe')]);
      const modelJson = {
        modelTopology: structuredClone(base.modelTopology),
        format: 'layers-model',
        trainingConfig: structuredClone(base.trainingConfig),
        weightsManifest: [{ paths, weights: structuredClone(base.weightSpecs) }],
      };
      for (const change of changes ?? []) mutate(modelJson, change);
      await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
      // A manifest may list weights.bin several times: the bytes read are bounded by the manifest.
      await check(() => fnn.loadModel(join(dir, 'model.json')), weightData.byteLength * paths.length);
      await rm(dir, { recursive: true, force: true });
    },
  ),
  { numRuns: Math.ceil(runs / 2), seed: Number(seed) + 2 },
);

console.log(`PROPERTIES ${JSON.stringify({ runs, ...counts, backend: tf.getBackend() })}`);
