// Worker side of src/worker.test.ts: reopens a posted Dataset, reads it, writes into it.
import { parentPort } from 'node:worker_threads';
import { Dataset, shard } from '../dist/index.js';

parentPort.on('message', ({ transferable, indices, write }) => {
  const ds = Dataset.fromTransferable(transferable);
  const x = new Float32Array(indices.length * ds.featureSize);
  const y = new Float32Array(indices.length * ds.labelSize);
  ds.gatherInto(indices, x, y);
  // Writes through the worker's own views: visible to the main thread only if memory is shared.
  ds.features[write.featureIndex] = write.featureValue;
  ds.labels[write.labelIndex] = write.labelValue;
  parentPort.postMessage({
    x,
    y,
    shared: ds.features.buffer instanceof SharedArrayBuffer && ds.labels.buffer instanceof SharedArrayBuffer,
    shardSizes: shard(Uint32Array.from(indices), 2).map((p) => p.length),
  });
});
