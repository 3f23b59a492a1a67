import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { DataError } from './errors.js';

/** Deflate's best case: one 258-byte match per ~2 bits, so no gzip stream inflates to more than this × its size. */
export const MAX_DEFLATE_RATIO = 1032;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The first `length` inflated bytes (fewer if the stream is shorter), inflating only a prefix of
 * the compressed bytes: a prefix of k bytes inflates to at most ~1032·k, so a bomb costs little.
 */
export function inflateHead(compressed: Uint8Array, length: number, name: string): Uint8Array {
  for (let prefix = 4096; ; prefix *= 4) {
    const whole = prefix >= compressed.length;
    const part = inflate(compressed.subarray(0, prefix), name, {
      // A cut stream is expected here: flush what it gives instead of failing at its end.
      finishFlush: whole ? zlibConstants.Z_FINISH : zlibConstants.Z_SYNC_FLUSH,
    });
    if (part.length >= length || whole) return part.subarray(0, length);
  }
}

/**
 * Inflates the whole stream, stopping as soon as it passes `maxBytes` (zlib checks after each
 * 16 KiB chunk): returns null then, so memory stays within `maxBytes` plus a chunk.
 */
export function inflateAtMost(compressed: Uint8Array, maxBytes: number, name: string): Uint8Array | null {
  try {
    return inflate(compressed, name, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw err;
  }
}

function inflate(compressed: Uint8Array, name: string, options: object): Uint8Array {
  try {
    return gunzipSync(compressed, options);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw err;
    throw new DataError(`${name}: gzip data is corrupt (${(err as Error).message}).`);
  }
}
