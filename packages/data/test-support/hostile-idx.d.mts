// Types of hostile-idx.mjs (plain JS so the bench can import it without a build).
export function idxFile(shape: number[], payload: Uint8Array, typeByte?: number): Uint8Array;
export function gzipBomb(inflatedMiB: number, count?: number): Buffer;
export interface HostileIdxFiles {
  bomb: string;
  declares2e31: string;
  declares2e31Gz: string;
  images2e31Gz: string;
  deviceLink: string;
  fifo: string;
}
export function writeHostileIdxFiles(dir: string, options?: { bombMiB?: number }): HostileIdxFiles;
