import { constants } from 'node:fs';
import { lstat, open, realpath, type FileHandle } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ValueError } from '../errors.js';

/**
 * Reading files named by an untrusted file (a model.json's weight paths): only regular files,
 * only inside a given folder, and never more bytes than the caller expects.
 */

/** A regular file, opened; `size` is from the open file (so it is the file that is read). */
export interface OpenedFile {
  handle: FileHandle;
  size: number;
}

/**
 * Opens `path` for reading if it is a regular file. O_NONBLOCK keeps a FIFO from blocking the
 * open; the type is checked on the open descriptor, so a file swapped after a check is not read.
 * `describe` names the file in errors (e.g. `weights file x (listed in y)`).
 */
export async function openRegularFile(path: string, describe: string, owner: string): Promise<OpenedFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw fileError(error, describe, owner);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new ValueError(`${owner}: ${describe} is ${kindOf(info)}, not a regular file.`);
    }
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Reads exactly `into.byteLength` bytes from the start of an opened file into `into`. */
export async function readExactly(file: OpenedFile, into: Uint8Array, describe: string, owner: string): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const { bytesRead } = await file.handle.read(into, done, into.byteLength - done, done);
    if (bytesRead === 0) {
      throw new ValueError(
        `${owner}: ${describe} ended after ${done} of ${into.byteLength} bytes; it was truncated while being read.`,
      );
    }
    done += bytesRead;
  }
}

/**
 * Resolves `name` (from an untrusted file) inside `folder` (a real path): it must be relative and
 * stay inside the folder both as written (`..`) and after following symbolic links. Nothing
 * outside the folder is opened or measured, so errors reveal nothing about outside files.
 */
export async function resolveInside(folder: string, name: string, describe: string, owner: string): Promise<string> {
  const problem =
    name === ''
      ? 'is empty'
      : name.includes('\0')
        ? 'contains a NUL character'
        : isAbsolute(name) || /^[A-Za-z]:[\\/]|^[\\/]/.test(name)
          ? 'is an absolute path'
          : undefined;
  if (problem !== undefined) {
    throw new ValueError(
      `${owner}: ${describe} ${problem}; weight files must be named relative to the model's folder ${folder}.`,
    );
  }
  const outside = () =>
    new ValueError(
      `${owner}: ${describe} leads outside the model's folder ${folder}; weight files must be inside it (no "..", no links out).`,
    );
  const written = resolve(folder, name);
  if (!isInside(folder, written)) throw outside();
  let real: string;
  try {
    real = await realpath(written);
  } catch (error) {
    // A dangling link says nothing about where it points.
    const link = await lstat(written).then(
      (info) => info.isSymbolicLink(),
      () => false,
    );
    if (link) throw outside();
    throw fileError(error, describe, owner);
  }
  if (!isInside(folder, real)) throw outside();
  return real;
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function kindOf(info: Awaited<ReturnType<FileHandle['stat']>>): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isFIFO()) return 'a named pipe';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function fileError(error: unknown, describe: string, owner: string): Error {
  if (error instanceof ValueError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ValueError(`${owner}: ${describe} does not exist.`);
  if (code === 'ENOTDIR') return new ValueError(`${owner}: ${describe} does not exist (a part of its path is a file).`);
  if (code === 'EISDIR') return new ValueError(`${owner}: ${describe} is a directory, not a regular file.`);
  return new ValueError(`${owner}: cannot read ${describe} (${(error as Error).message}).`, { cause: error });
}
