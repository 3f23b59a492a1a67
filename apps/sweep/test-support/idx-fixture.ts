import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** IDX bytes: magic (0, 0, type 0x08 = ubyte, number of dimensions), big-endian sizes, payload. */
function idx(dims: number[], payload: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => {
    header.writeUInt32BE(d, 4 + 4 * i);
  });
  return Buffer.concat([header, payload]);
}

/**
 * A tiny MNIST-format folder whose classes are trivially learnable: an image of class c is dim
 * noise plus a bright 7×7 square at a position that depends on c only. A softmax classifier
 * separates it after a few dozen steps, which lets the tests check accuracies, not just "it ran".
 */
export function writeSyntheticMnist(
  dir: string,
  options: { train?: number; test?: number; seed?: number } = {},
): string {
  const train = options.train ?? 7000; // the first 5,000 become the validation split
  const test = options.test ?? 200;
  let state = (options.seed ?? 7) >>> 0;
  const rand = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const make = (n: number) => {
    const images = new Uint8Array(n * 784);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 10;
      labels[i] = c;
      const top = 2 + 7 * Math.floor(c / 4);
      const left = 2 + 6 * (c % 4);
      for (let p = 0; p < 784; p++) images[i * 784 + p] = Math.floor(rand() * 40);
      for (let r = top; r < top + 7; r++)
        for (let col = left; col < left + 7; col++) images[i * 784 + r * 28 + col] = 200 + Math.floor(rand() * 55);
    }
    return { images, labels };
  };
  mkdirSync(dir, { recursive: true });
  const tr = make(train);
  const te = make(test);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([train, 28, 28], tr.images));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([train], tr.labels));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([test, 28, 28], te.images));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([test], te.labels));
  return dir;
}
