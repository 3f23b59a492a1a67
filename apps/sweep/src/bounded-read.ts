import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Reads a regular file of at most `maxBytes` bytes, checking its type and size before reading:
 * a device (/dev/zero), a FIFO or a huge file is refused instead of read without bound. The read
 * itself stops one byte past the size it found, should the file grow meanwhile. Throws an Error whose message
 * says what was found; callers add the file's role (e.g. "--grid g.json: ").
 */
export function readBoundedFile(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new Error(`cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new Error('expected a file, but it is a directory');
    if (!stat.isFile()) throw new Error('expected a regular file, but it is a device, socket or pipe');
    if (stat.size > maxBytes) {
      throw new Error(`the file has ${stat.size} bytes; expected at most ${maxBytes}`);
    }
    // One byte more than the size: a file that grew while being read is noticed, not cut short.
    const buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > stat.size) throw new Error('the file changed while being read');
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** readBoundedFile + JSON.parse; errors say which of the two failed. */
export function readBoundedJson(path: string, maxBytes: number): unknown {
  const text = readBoundedFile(path, maxBytes).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`not valid JSON (${(error as Error).message})`);
  }
}
