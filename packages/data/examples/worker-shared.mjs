// A Dataset posted to a worker thread is the same memory there: no copy.
// Run: node examples/worker-shared.mjs
import { Worker } from 'node:worker_threads';
import { Dataset } from '@fnn/data';

const ds = Dataset.fromArrays({
  x: [
    [0, 1],
    [2, 3],
    [4, 5],
  ],
  y: [[1], [0], [1]],
  numClasses: 2,
});
const worker = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   import(workerData.fnnData).then(({ Dataset }) => {
     const ds = Dataset.fromTransferable(workerData.dataset);
     ds.features[0] = 42; // write through the worker's view
     parentPort.postMessage(Array.from(ds.gather([1]).x));
   });`,
  { eval: true, workerData: { dataset: ds.toTransferable(), fnnData: import.meta.resolve('@fnn/data') } },
);
worker.once('message', async (row) => {
  console.log('worker read sample 1:', row, '— main sees the worker write:', ds.features[0]); // [2, 3] 42
  await worker.terminate();
});
