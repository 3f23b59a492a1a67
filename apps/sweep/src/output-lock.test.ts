import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { LOCK_FILE, lockOutputFolder } from './output-lock.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'fnn-out-')), 'sweep');
/** The id of a process that has ended (a child that exited at once). */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;
const lockRecord = (pid: number, host = hostname()) =>
  JSON.stringify({ pid, host, startedAt: '2026-12-01T10:00:00.000Z' });

// Class 5 (shared output folders) and class 8 (--out that is a file) of issue 11.
describe('lockOutputFolder', () => {
  it('creates and locks a new folder, and releases it', () => {
    const dir = fresh();
    const lock = lockOutputFolder(dir, '--out');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
      host: hostname(),
    });
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a folder a live sweep holds, naming its pid', () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, LOCK_FILE), lockRecord(process.ppid));
    expect(() => lockOutputFolder(dir, '--resume')).toThrow(ConfigError);
    expect(() => lockOutputFolder(dir, '--resume')).toThrow(
      `--resume ${dir}: another fnn-sweep (pid ${process.ppid}, started 2026-12-01T10:00:00.000Z) is writing to this folder; wait for it to end or choose another folder.`,
    );
    // Its lock is left alone.
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.ppid);
  });

  it('takes over the lock of a process that no longer runs (and one that is unreadable)', () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, LOCK_FILE), lockRecord(deadPid()));
    lockOutputFolder(dir, '--resume').release();
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    const lock = lockOutputFolder(dir, '--resume');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('refuses a lock from another machine (its process cannot be checked)', () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, LOCK_FILE), lockRecord(deadPid(), 'other-host'));
    expect(() => lockOutputFolder(dir, '--resume')).toThrow(`a sweep on "other-host" (pid`);
  });

  it('refuses a non-empty --out (an old sweep would mix with the new one), pointing to --resume', () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'sweep.json'), '{}');
    expect(() => lockOutputFolder(dir, '--out')).toThrow(
      `--out ${dir}: the folder already holds files (sweep.json); pass --resume ${dir} to continue the sweep there, or choose a new or empty folder.`,
    );
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(() => lockOutputFolder(dir, '--resume')).not.toThrow();
  });

  it('says clearly when --out is a file or under one, and when --resume names no folder', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fnn-out-')), 'file');
    writeFileSync(file, 'x');
    expect(() => lockOutputFolder(file, '--out')).toThrow(`--out ${file}: expected a folder, but it is a file.`);
    expect(() => lockOutputFolder(join(file, 'sub'), '--out')).toThrow(
      `--out ${join(file, 'sub')}: a part of the path is a file, not a folder.`,
    );
    expect(() => lockOutputFolder(join(tmpdir(), 'fnn-no-such-folder'), '--resume')).toThrow(
      `--resume ${join(tmpdir(), 'fnn-no-such-folder')}: no such folder (ENOENT).`,
    );
  });
});
