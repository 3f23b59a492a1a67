import { linkSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readBoundedFile } from './bounded-read.js';
import { ConfigError, describe } from './errors.js';

/** The lock file in an output folder while a sweep writes there. */
export const LOCK_FILE = '.fnn-sweep.lock';

interface LockRecord {
  pid: number;
  host: string;
  startedAt: string;
}

/** Held while a sweep writes to its output folder; `release` (also run at process exit) removes it. */
export interface OutputLock {
  readonly path: string;
  release(): void;
}

/**
 * Makes sure `dir` is a folder this sweep may write to, and locks it: `option` (`--out` or
 * `--resume`) names it in errors. Refused: a path that is a file, a folder another live sweep
 * holds, and — unless resuming — a folder that already holds files (an old sweep's results
 * would mix with the new ones). A lock left by a process that no longer runs is taken over.
 */
export function lockOutputFolder(dir: string, option: '--out' | '--resume'): OutputLock {
  let isFolder = false;
  try {
    isFolder = statSync(dir).isDirectory();
    if (!isFolder) throw new ConfigError(`${option} ${dir}: expected a folder, but it is a file.`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new ConfigError(`${option} ${dir}: a part of the path is a file, not a folder.`);
    if (option === '--resume') throw new ConfigError(`${option} ${dir}: no such folder (${code}).`);
    if (code !== 'ENOENT') throw new ConfigError(`${option} ${dir}: cannot use this path (${code}).`);
  }
  if (!isFolder) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a part of the path is a file' : code;
      throw new ConfigError(`${option} ${dir}: cannot create the folder (${why}).`);
    }
  }
  const lock = acquire(join(dir, LOCK_FILE), dir, option);
  if (option === '--out') {
    const entries = readdirSync(dir).filter((name) => !name.startsWith(LOCK_FILE));
    if (entries.length > 0) {
      lock.release();
      const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
      throw new ConfigError(
        `--out ${dir}: the folder already holds files (${shown}); pass --resume ${dir} to continue the sweep there, or choose a new or empty folder.`,
      );
    }
  }
  return lock;
}

function acquire(path: string, dir: string, option: string): OutputLock {
  const mine: LockRecord = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    // Written whole to a temporary file, then linked into place: link fails if the lock exists,
    // and no sweep ever sees a half-written lock.
    const temp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, JSON.stringify(mine));
      linkSync(temp, path);
      return held(path, mine);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new ConfigError(`${option} ${dir}: cannot create the lock file (${code}).`);
    } finally {
      rmSync(temp, { force: true });
    }
    const holder = readRecord(path);
    if (holder && holder.host !== mine.host) {
      throw new ConfigError(
        `${option} ${dir}: a sweep on ${describe(holder.host)} (pid ${holder.pid}, started ${holder.startedAt}) holds this folder; ` +
          `if it has ended, remove ${path} and retry.`,
      );
    }
    if (holder && isRunning(holder.pid)) {
      throw new ConfigError(
        `${option} ${dir}: another fnn-sweep (pid ${holder.pid}, started ${holder.startedAt}) is writing to this folder; ` +
          `wait for it to end or choose another folder.`,
      );
    }
    takeOver(path, holder);
  }
  throw new ConfigError(`${option} ${dir}: could not lock the folder (other sweeps keep taking it).`);
}

/** Moves a stale lock aside; should another sweep have replaced it meanwhile, puts theirs back. */
function takeOver(path: string, stale: LockRecord | null): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it: retry
  }
  const moved = readRecord(aside);
  const sameAsSeen = stale === null ? moved === null : moved?.pid === stale.pid && moved.startedAt === stale.startedAt;
  if (!sameAsSeen) {
    try {
      linkSync(aside, path); // fails if a third sweep locked meanwhile: then it holds the folder
    } catch {
      // the folder is locked by whoever holds `path` now
    }
  }
  rmSync(aside, { force: true });
}

function held(path: string, mine: LockRecord): OutputLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Only our own lock: a lock taken over after ours went stale is not ours to remove.
    if (readRecord(path)?.pid === mine.pid) rmSync(path, { force: true });
  };
  process.on('exit', release);
  return { path, release };
}

function readRecord(path: string): LockRecord | null {
  try {
    const r = JSON.parse(readBoundedFile(path, 4096).toString('utf8')) as LockRecord;
    return Number.isSafeInteger(r.pid) && r.pid > 0 && typeof r.host === 'string' ? r : null;
  } catch {
    return null; // unreadable, oversized or not ours: treated as stale
  }
}

/** Whether a process with this id exists (EPERM: it exists but belongs to another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
