import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { DataError } from './errors.js';

/** An open regular file and the size it had when opened: reads never go past that size. */
export interface RegularFile {
  path: string;
  fd: number;
  size: number;
}

/**
 * Opens `path` for reading only if it is (or links to) a regular file. O_NONBLOCK keeps a FIFO
 * from blocking the open, and fstat on the open descriptor judges the file actually opened
 * (after symlinks), so a link to /dev/zero or a pipe is refused instead of read forever.
 */
export function openRegularFile(path: string, what: string): RegularFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new DataError(`Cannot read ${what} ${path}: ${(err as Error).message}`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      let target = '';
      try {
        const real = realpathSync(path);
        if (real !== path) target = ` (the path resolves to ${real})`;
      } catch {
        // The resolved name is only for the message.
      }
      throw new DataError(`${path}: expected a regular ${what}, but it is ${kindOf(stats)}${target}.`);
    }
    return { path, fd, size: stats.size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}

/** Fills `target` from `position` in the file; a file that shrank since it was opened is an error. */
export function readExactly(file: RegularFile, target: Uint8Array, position: number): void {
  let offset = 0;
  while (offset < target.length) {
    const read = readSync(file.fd, target, offset, target.length - offset, position + offset);
    if (read === 0) {
      throw new DataError(
        `${file.path}: the file ended after ${position + offset} bytes while reading; it was ${file.size} bytes when opened (did it change?).`,
      );
    }
    offset += read;
  }
}

/** Reads the first `length` bytes (at most the file's size). */
export function readHead(file: RegularFile, length: number): Uint8Array {
  const head = new Uint8Array(Math.min(length, file.size));
  readExactly(file, head, 0);
  return head;
}

export function closeRegularFile(file: RegularFile): void {
  closeSync(file.fd);
}
