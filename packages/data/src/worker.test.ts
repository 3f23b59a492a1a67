import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, packageDir } from '../test-support/ensure-built.js';
import { Dataset, type DatasetTransferable } from './index.js';

interface Reply {
  x: Float32Array;
  y: Float32Array;
  shared: boolean;
  shardSizes: number[];
}

function askWorker(message: {
  transferable: DatasetTransferable;
  indices: number[];
  write: Record<string, number>;
}): Promise<Reply> {
  const worker = new Worker(join(packageDir, 'test-support', 'dataset-worker.mjs'));
  return new Promise<Reply>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage(message);
  }).finally(() => worker.terminate());
}

describe('Dataset in a worker thread', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  for (const storage of ['uint8', 'float32'] as const) {
    it(`reads and writes the same memory (${storage} features, a slice with an offset)`, async () => {
      const n = 12;
      const bytes = Uint8Array.from({ length: n * 6 }, (_, i) => (i * 29) % 256);
      const full = Dataset.fromArrays({
        x: storage === 'uint8' ? bytes : Float32Array.from(bytes, (b) => b / 255),
        y: Array.from({ length: n }, (_, i) => [i, -i]),
        featureShape: [6],
        ...(storage === 'uint8' ? { featureDivisor: 255 } : {}),
      });
      const ds = full.slice(3, 10);
      const indices = [6, 0, 2];
      const here = ds.gather(indices); // before the worker writes
      const reply = await askWorker({
        transferable: ds.toTransferable(),
        indices,
        write: { featureIndex: 4, featureValue: 123, labelIndex: 1, labelValue: 0.25 },
      });
      expect(reply.shared).toBe(true);
      expect(reply.shardSizes).toEqual([2, 1]);
      expect(Array.from(reply.x)).toEqual(Array.from(here.x));
      expect(Array.from(reply.y)).toEqual(Array.from(here.y));
      expect(Array.from(reply.y.subarray(0, 2))).toEqual([9, -9]); // sample 6 of the slice is 9 of the whole
      // The worker's writes landed in our memory (and at the slice's offset in the parent).
      expect(ds.features[4]).toBe(123);
      expect(full.features[3 * 6 + 4]).toBe(123);
      expect(ds.labels[1]).toBe(0.25);
      expect(full.labels[3 * 2 + 1]).toBe(0.25);
    });
  }
});
