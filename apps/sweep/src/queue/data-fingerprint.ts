import { createHash } from 'node:crypto';
import type { SweepData } from '../sweep-data.js';

/**
 * SHA-256 over the images and labels of the three splits (after any --limit-train/--limit-eval)
 * and their shapes: two machines with the same fingerprint train and test on the same numbers.
 */
export function dataFingerprint(data: SweepData): string {
  const hash = createHash('sha256');
  for (const [name, split] of [
    ['train', data.train],
    ['validation', data.validation],
    ['test', data.test],
  ] as const) {
    hash.update(`${name}:${split.size}x${split.featureSize}/${split.featureStorage}->${split.labelSize};`);
    hash.update(new Uint8Array(split.features.buffer, split.features.byteOffset, split.features.byteLength));
    hash.update(new Uint8Array(split.labels.buffer, split.labels.byteOffset, split.labels.byteLength));
  }
  return hash.digest('hex');
}
