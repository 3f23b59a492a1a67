// Hostile IDX files for tests and the bench: each is small on disk or cheap to make, and each
// would cost a naive reader huge memory or time (or never finish) before it notices.
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * An IDX file by the spec: 0 0 type ndims, big-endian uint32 sizes, then `payload` as given
 * (the sizes need not match it: that is the point of several fixtures).
 * @param {number[]} shape
 * @param {Uint8Array} payload
 * @param {number} [typeByte] 0x08 uint8 by default
 */
export function idxFile(shape, payload, typeByte = 0x08) {
  const out = new Uint8Array(4 + 4 * shape.length + payload.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, typeByte, shape.length]);
  shape.forEach((s, i) => {
    view.setUint32(4 + 4 * i, s);
  });
  out.set(payload, 4 + 4 * shape.length);
  return out;
}

/**
 * A gzip file whose IDX header declares `count` uint8 labels (and carries them) but which goes
 * on to inflate `inflatedMiB` MiB of zeros: one member with the real file, then members of
 * 16 MiB of zeros (gunzip reads concatenated members as one stream). 1 GiB is ~1 MB on disk.
 * @param {number} inflatedMiB
 * @param {number} [count]
 */
export function gzipBomb(inflatedMiB, count = 10) {
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  const zeros = gzipSync(new Uint8Array(16 << 20), { level: 9 });
  const members = Math.ceil(inflatedMiB / 16);
  return Buffer.concat([gzipSync(idxFile([count], labels)), ...Array.from({ length: members }, () => zeros)]);
}

/**
 * Writes the hostile files into `dir` and returns their paths:
 * - `bomb`: labels declaring 10 items, inflating `bombMiB` MiB (default 1 GiB);
 * - `declares2e31`: raw labels whose header declares 2^31 items, with 10 bytes of payload;
 * - `declares2e31Gz`: the same, gzipped; `images2e31Gz`: 2^31 images of 28×28, gzipped;
 * - `deviceLink`: a symlink to /dev/zero; `fifo`: a named pipe nobody writes to.
 * @param {string} dir
 * @param {{bombMiB?: number}} [options]
 */
export function writeHostileIdxFiles(dir, { bombMiB = 1024 } = {}) {
  const payload = new Uint8Array(10);
  const files = {
    bomb: join(dir, 'bomb-labels-idx1-ubyte.gz'),
    declares2e31: join(dir, 'declares-2e31-labels-idx1-ubyte'),
    declares2e31Gz: join(dir, 'declares-2e31-labels-idx1-ubyte.gz'),
    images2e31Gz: join(dir, 'declares-2e31-images-idx3-ubyte.gz'),
    deviceLink: join(dir, 'device-labels-idx1-ubyte'),
    fifo: join(dir, 'fifo-labels-idx1-ubyte'),
  };
  writeFileSync(files.bomb, gzipBomb(bombMiB));
  writeFileSync(files.declares2e31, idxFile([2 ** 31], payload));
  writeFileSync(files.declares2e31Gz, gzipSync(idxFile([2 ** 31], payload)));
  writeFileSync(files.images2e31Gz, gzipSync(idxFile([2 ** 31, 28, 28], payload)));
  symlinkSync('/dev/zero', files.deviceLink);
  execFileSync('mkfifo', [files.fifo]);
  return files;
}
