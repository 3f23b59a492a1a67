import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { add, ensureBackend, input, layers, loadModel, model, sequential, tf } from '@fnn/core';

await ensureBackend(); // tfjs-node if it loads, else wasm, else cpu

// Sequential: the lesson's "wide" MNIST model (198,760 parameters).
const wide = sequential([
  layers.dense({ units: 250, inputShape: [784], activation: 'relu' }),
  layers.dense({ units: 10, activation: 'softmax' }),
]);
wide.summary();

// Functional: two inputs, each through its own Dense layer, added, then one sigmoid unit.
const a = input({ shape: [20] });
const b = input({ shape: [20] });
const merged = add([
  layers.dense({ units: 10, activation: 'relu' }).apply(a),
  layers.dense({ units: 10, activation: 'relu' }).apply(b),
]);
const twoInputs = model({ inputs: [a, b], outputs: layers.dense({ units: 1, activation: 'sigmoid' }).apply(merged) });
twoInputs.summary();

// Save in the tfjs-layers format (model.json + weights.bin), which tf.loadLayersModel reads too.
const dir = await mkdtemp(join(tmpdir(), 'fnn-quick-start-'));
await wide.save(`file://${dir}`);
const restored = await loadModel(`file://${dir}/model.json`);
const x = tf.randomUniform([4, 784]);
const difference = tf.max(tf.abs(tf.sub(wide.predict(x), restored.predict(x)))).dataSync()[0];
console.log(`Saved to ${dir} and loaded back: max |difference| between predictions = ${difference}`);
await rm(dir, { recursive: true });
