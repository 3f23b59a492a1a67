// The Keras "Simple MNIST convnet" on @fnn/kernels' 'native' backend, one core, against its
// targets, ratios measured in one run:
//  1. GFLOP/s of each convolution kernel on the convnet's shapes (batch 128) through tfjs, next
//     to the dense matmul's in the same run (target: each ≥ 60 % of the matmul's), among them the
//     Conv2D(relu) + MaxPool pairs' kernels training runs (FnnConv2DMaxPool and its backward
//     pass), a Conv2D layer's fused backward pass (FnnConv2DBackward), and the pooling kernels' times;
//  2. where one training step's time goes (per-kernel profile vs the step's wall time);
//  3. training on real MNIST, samples/s in steady-state steps and over one epoch (with its test
//     accuracy), FNN native vs PyTorch on one thread (target ≥ 2x), PyTorch run by
//     bench/pytorch_convnet.py when torch imports, else the project's recorded figure, labelled so.
// Usage: node bench/conv.bench.mjs [--steps N] [--warmup N] [--rounds N] [--no-epoch] [--no-torch]
//        [--root DIR] (measure the packages built in another checkout, e.g. before a change)
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { printKernelTable, profileStep } from './step-profile.mjs';

const { values: options } = parseArgs({
  options: {
    steps: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    'no-epoch': { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    root: { type: 'string', default: new URL('..', import.meta.url).pathname },
  },
});
const STEPS = Number(options.steps);
const WARMUP = Number(options.warmup);
const ROUNDS = Number(options.rounds);
const BATCH = 128;
// The project's recorded PyTorch figure, measured 2026-12-02 on this machine (quiet), one epoch: PyTorch 1.13 on one thread.
const RECORDED_TORCH_EPOCH = 3600;

const root = resolve(options.root);
const load = (path) => import(pathToFileURL(resolve(root, path)).href);
const fnn = await load('packages/core/dist/index.js');
const training = await load('packages/core/dist/training/index.js');
const kernels = await load('packages/kernels/dist/index.js');
const { loadMnist, defaultMnistDir } = await load('packages/data/dist/index.js');
const { tf } = fnn;
try {
  await fnn.setBackend('native', { quiet: true });
} catch (error) {
  console.log(`conv bench: skipped, ${error.message}`);
  process.exit(0);
}
console.log(
  `conv bench: ${root}, backend ${tf.getBackend()}, kernels ${kernels.nativeIsa()}, batch ${BATCH}, one thread`,
);

// ---------------------------------------------------------------------------------------------
// 1. Kernels on the convnet's shapes, through tfjs (dispatch and output allocation included).
/** Best ms per call of `run` over rounds of ~150 ms each. */
function bestMs(run) {
  let best = Infinity;
  for (let round = 0; round < ROUNDS + 2; round++) {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < 150) {
      tf.dispose(run());
      n++;
    }
    best = Math.min(best, (performance.now() - start) / n);
  }
  return best;
}

const rand = (shape, seed) => tf.randomUniform(shape, -1, 1, 'float32', seed);
const conv = (attrs) => ({ strides: 1, pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: undefined, ...attrs });
const kernel = (name, inputs, attrs) => () => tf.engine().runKernel(name, inputs, attrs);
/** 2 flops per multiply-add: [outputs pixels, taps per window, output channels]. */
const convFlops = (pixels, taps, cout) => 2 * pixels * taps * cout;

const x1 = rand([BATCH, 28, 28, 1], 1);
const w1 = rand([3, 3, 1, 32], 2);
const b1 = rand([32], 3);
const dy1 = rand([BATCH, 26, 26, 32], 4);
// Pooled inputs made by a kernel, as a conv layer's output is (MaxPool then records its argmax).
const p1 = tf.relu(rand([BATCH, 26, 26, 32], 5));
const x2 = rand([BATCH, 13, 13, 32], 6);
const w2 = rand([3, 3, 32, 64], 7);
const b2 = rand([64], 8);
const dy2 = rand([BATCH, 11, 11, 64], 9);
const pool = (x, y, dy) => ({ filterSize: 2, strides: 2, pad: 'valid', dimRoundingMode: undefined, x, y, dy });
const pool1 = pool(p1, tf.maxPool(p1, 2, 2, 'valid'), rand([BATCH, 13, 13, 32], 10));
const p2 = tf.relu(rand([BATCH, 11, 11, 64], 11));
const pool2 = pool(p2, tf.maxPool(p2, 2, 2, 'valid'), rand([BATCH, 5, 5, 64], 12));
const a = rand([BATCH, 784], 13);
const b = rand([784, 250], 14);

const y1 = tf.relu(rand([BATCH, 26, 26, 32], 15));
const y2 = tf.relu(rand([BATCH, 11, 11, 64], 16));
const layerBackward = (needsDx) => ({ strides: 1, pad: 'valid', activation: 'relu', useBias: true, needsDx });
// Conv2D(relu) + MaxPool 2x2 as one kernel each way (what training runs for both pairs where the
// build has it): the backward pass reads the pooled output and its argmax record, made here once.
const hasConvPool = tf.getKernel('FnnConv2DMaxPool', 'native') !== undefined;
const pairAttrs = { strides: 1, pad: 'valid', poolSize: [2, 2] };
const convPool = (x, filter, bias) => kernel('FnnConv2DMaxPool', { x, filter, bias }, pairAttrs);
const pairBackward = ([x, filter, bias], needsDx, seed) => {
  const y = hasConvPool ? convPool(x, filter, bias)() : null;
  const dy = y ? rand(y.shape, seed) : null;
  const attrs = { ...pairAttrs, useBias: true, needsDx };
  return kernel('FnnConv2DMaxPoolBackward', { x, y, dy, filter, bias }, attrs);
};
const fused = (x, filter, bias) => () =>
  tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'valid', activation: 'relu' });
const CONV_KERNELS = [
  ['conv1 FusedConv2D (bias+relu) 128x28x28x1 * 3x3x1x32', fused(x1, w1, b1), convFlops(BATCH * 26 * 26, 9, 32)],
  [
    'conv1 Conv2DBackpropFilter',
    kernel('Conv2DBackpropFilter', { x: x1, dy: dy1 }, conv({ filterShape: [3, 3, 1, 32] })),
    convFlops(BATCH * 26 * 26, 9, 32),
  ],
  ['conv2 FusedConv2D (bias+relu) 128x13x13x32 * 3x3x32x64', fused(x2, w2, b2), convFlops(BATCH * 11 * 11, 288, 64)],
  [
    'conv2 Conv2DBackpropInput',
    kernel('Conv2DBackpropInput', { dy: dy2, filter: w2 }, conv({ inputShape: [BATCH, 13, 13, 32] })),
    convFlops(BATCH * 11 * 11, 288, 64),
  ],
  [
    'conv2 Conv2DBackpropFilter',
    kernel('Conv2DBackpropFilter', { x: x2, dy: dy2 }, conv({ filterShape: [3, 3, 32, 64] })),
    convFlops(BATCH * 11 * 11, 288, 64),
  ],
  // A Conv2D layer's whole backward pass as training runs it (when the build has it; --root may
  // name an older one): relu's dz, bias, filter (and input) gradients.
  ...(tf.getKernel('FnnConv2DBackward', 'native')
    ? [
        [
          'conv1 FnnConv2DBackward (relu, bias, filter gradient)',
          kernel('FnnConv2DBackward', { x: x1, y: y1, dy: dy1, filter: w1 }, layerBackward(false)),
          convFlops(BATCH * 26 * 26, 9, 32),
          false,
        ],
        [
          'conv2 FnnConv2DBackward (relu, bias, filter and input gradients)',
          kernel('FnnConv2DBackward', { x: x2, y: y2, dy: dy2, filter: w2 }, layerBackward(true)),
          2 * convFlops(BATCH * 11 * 11, 288, 64),
          false,
        ],
      ]
    : []),
  // The pairs as training runs them: every convolution output is computed (also those no pool
  // window covers), so the FLOPs are the convolution's.
  ...(hasConvPool
    ? [
        ['conv1+pool1 FnnConv2DMaxPool (bias+relu, 2x2 pool)', convPool(x1, w1, b1), convFlops(BATCH * 26 * 26, 9, 32)],
        [
          'conv1+pool1 FnnConv2DMaxPoolBackward (relu, bias, filter gradient)',
          pairBackward([x1, w1, b1], false, 17),
          convFlops(BATCH * 26 * 26, 9, 32),
        ],
        [
          'conv2+pool2 FnnConv2DMaxPool (bias+relu, 2x2 pool)',
          convPool(x2, w2, b2),
          convFlops(BATCH * 11 * 11, 288, 64),
        ],
        [
          'conv2+pool2 FnnConv2DMaxPoolBackward (relu, bias, filter and input gradients)',
          pairBackward([x2, w2, b2], true, 18),
          2 * convFlops(BATCH * 11 * 11, 288, 64),
        ],
      ]
    : []),
];
const POOL_KERNELS = [
  ['pool1 MaxPool 128x26x26x32 → 13x13', pool1],
  ['pool2 MaxPool 128x11x11x64 → 5x5', pool2],
];

// The dense matmul is timed again after each conv kernel and its best time is the reference, so
// a burst of load elsewhere during one measurement does not decide the ratios.
const denseMs = () => bestMs(() => tf.matMul(a, b));
let bestDenseMs = denseMs();
const convMs = CONV_KERNELS.map(([, run]) => {
  const ms = bestMs(run);
  bestDenseMs = Math.min(bestDenseMs, denseMs());
  return ms;
});
const denseGflops = (2 * BATCH * 784 * 250) / bestDenseMs / 1e6;
console.log(
  `\nkernels on the convnet's shapes, one thread; dense matmul 128x784·784x250 in the same run (best of ${CONV_KERNELS.length + 1} interleaved timings): ${denseGflops.toFixed(1)} GFLOP/s (target: each conv kernel ≥ 60 % of it)`,
);
console.log('| kernel | ms | GFLOP/s | of dense matmul | target |');
console.log('|---|---:|---:|---:|---|');
CONV_KERNELS.forEach(([what, , flops, isKernel = true], i) => {
  const gflops = flops / convMs[i] / 1e6;
  // The target is the convolution kernels'; a layer's whole backward pass is shown for its time.
  const verdict = !isKernel ? '' : gflops / denseGflops >= 0.6 ? 'met' : 'MISSED';
  console.log(
    `| ${what} | ${convMs[i].toFixed(3)} | ${gflops.toFixed(1)} | ${((100 * gflops) / denseGflops).toFixed(0)} % | ${verdict} |`,
  );
});
for (const [what, { x, y, dy, ...attrs }] of POOL_KERNELS) {
  const forward = bestMs(() => tf.maxPool(x, 2, 2, 'valid'));
  const backward = bestMs(kernel('MaxPoolGrad', { dy, input: x, output: y }, attrs));
  console.log(`| ${what} | ${forward.toFixed(3)} | | | |`);
  console.log(`| ${what.split(' ')[0]} MaxPoolGrad | ${backward.toFixed(3)} | | | |`);
}

// ---------------------------------------------------------------------------------------------
// 2 and 3 need the model and real MNIST.
function kerasConvnet() {
  const { layers } = fnn;
  const model = fnn.sequential([
    layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.flatten(),
    layers.dropout({ rate: 0.5 }),
    layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({
    optimizer: fnn.optimizers.adam({ learningRate: 0.001 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

const mnist = loadMnist();
const images = (set) => {
  const { x, y } = set.toTensors(tf);
  const x4 = tf.reshape(x, [set.size, 28, 28, 1]);
  x.dispose();
  return { x: x4, y };
};
const train = images(mnist.train);
const test = images(mnist.test);
const batches = Array.from({ length: STEPS + WARMUP }, (_, i) => [
  tf.slice(train.x, i * BATCH, BATCH),
  tf.slice(train.y, i * BATCH, BATCH),
]);

/** Samples/s over STEPS training steps after WARMUP, on a fresh model. */
function steadyRound(round) {
  const model = kerasConvnet();
  const context = { training: true, random: new fnn.SeededRandom(round + 1) };
  for (const [x, y] of batches.slice(0, WARMUP)) training.trainStep(model, { inputs: [x], targets: [y] }, context);
  const start = performance.now();
  for (const [x, y] of batches.slice(WARMUP)) training.trainStep(model, { inputs: [x], targets: [y] }, context);
  const samples = (STEPS * BATCH) / ((performance.now() - start) / 1000);
  model.dispose();
  return samples;
}

async function epochRun() {
  const model = kerasConvnet();
  const start = performance.now();
  await model.fit(train.x, train.y, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0, seed: 1 });
  const seconds = (performance.now() - start) / 1000;
  const [, accuracy] = model.evaluate(test.x, test.y, { batchSize: 1000 });
  const result = { samples: mnist.train.size / seconds, seconds, accuracy: accuracy.dataSync()[0] };
  model.dispose();
  return result;
}

// 2. One training step, kernel by kernel (tf.profile times each; the rest is JavaScript).
{
  const model = kerasConvnet();
  const context = { training: true, random: new fnn.SeededRandom(1) };
  const [x, y] = batches[0];
  const step = () => training.trainStep(model, { inputs: [x], targets: [y] }, context);
  const profile = await profileStep(tf, step);
  console.log(
    `\none convnet training step on native: ${profile.wall.toFixed(2)} ms wall (best of 10), ${profile.kernelCount} kernels taking ${profile.kernelMs.toFixed(2)} ms (each kernel's least total over 3 profiled steps)`,
  );
  printKernelTable(profile, 14);
  model.dispose();
}

// 3. Training throughput, FNN native vs PyTorch.
const PYTHON = options['no-torch']
  ? undefined
  : ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);

/** One PyTorch run: one round of steady steps, and one epoch when `withEpoch`; null without torch. */
function pytorchRun(withEpoch) {
  if (!PYTHON) return null;
  const script = new URL('./pytorch_convnet.py', import.meta.url).pathname;
  const args = [script, '--mnist', defaultMnistDir(), '--steps', String(STEPS), '--warmup', String(WARMUP)];
  args.push('--rounds', '1', ...(withEpoch ? [] : ['--no-epoch']));
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', env });
  if (run.status !== 0) {
    console.log(`pytorch reference failed: ${(run.stderr || '').trim().split('\n').pop()}`);
    return null;
  }
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

// PyTorch and FNN rounds alternate and each keeps its best, so a burst of load elsewhere does not
// decide the ratio; the epochs run last, one each.
let steady = 0;
let torch = null;
for (let round = 0; round < ROUNDS; round++) {
  const theirs = pytorchRun(false);
  if (theirs) torch = { ...theirs, steady: Math.max(torch?.steady ?? 0, theirs.steady) };
  steady = Math.max(steady, steadyRound(round));
}
const epoch = options['no-epoch'] ? null : await epochRun();
if (torch && epoch) torch = { ...torch, ...pytorchRun(true), steady: torch.steady };
const ratio = (ours, theirs) =>
  theirs ? `${(ours / theirs).toFixed(2)}x ${ours / theirs >= 2 ? 'met' : 'MISSED'}` : '';
console.log(
  `\nKeras MNIST convnet, real MNIST (${mnist.train.size} training images), batch ${BATCH}, Adam, one thread`,
);
if (!torch)
  console.log(
    `torch not available: the PyTorch figure is the project's recorded one (one epoch, quiet machine), not measured here`,
  );
const torchLabel = torch ? `PyTorch ${torch.torch}, same run` : 'PyTorch 1.13, recorded (not this run)';
console.log(
  `| samples/s | FNN native | ${torchLabel} | ratio (target ≥ 2x) | ratio to the recorded PyTorch (${RECORDED_TORCH_EPOCH}, one epoch, quiet machine) |`,
);
console.log('|---|---:|---:|---:|---:|');
console.log(
  `| steady state, ${STEPS} steps (best of ${ROUNDS} alternating) | ${steady.toFixed(0)} | ${torch ? torch.steady.toFixed(0) : ''} | ${ratio(steady, torch?.steady)} | |`,
);
if (epoch) {
  const theirs = torch ? torch.epoch : RECORDED_TORCH_EPOCH;
  console.log(
    `| one epoch, model.fit (shuffled) | ${epoch.samples.toFixed(0)} | ${theirs.toFixed(0)} | ${ratio(epoch.samples, theirs)} | ${(epoch.samples / RECORDED_TORCH_EPOCH).toFixed(2)}x |`,
  );
  const theirAccuracy = torch ? `${(100 * torch.test_accuracy).toFixed(2)} %` : '97.35 %';
  console.log(`| test accuracy after that epoch | ${(100 * epoch.accuracy).toFixed(2)} % | ${theirAccuracy} | | |`);
}
