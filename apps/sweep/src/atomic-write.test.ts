import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
import { readCheckpoint, removeCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temporary file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-atomic-'));
    const path = join(dir, 'nested', 'run.json');
    writeJsonAtomic(path, { a: 1 });
    writeJsonAtomic(path, { a: 2, b: 'x'.repeat(100_000) });
    expect(JSON.parse(readFileSync(path, 'utf8')).a).toBe(2);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['run.json']);
  });

  it('keeps the old content when the write fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-atomic-'));
    const path = join(dir, 'results.json');
    writeFileSync(path, 'old');
    // A directory where the file should go makes the rename fail after the temp file was written.
    const blocked = join(dir, 'blocked');
    writeFileAtomic(join(blocked, 'x'), 'x');
    expect(() => writeFileAtomic(blocked, 'new')).toThrow();
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['blocked', 'results.json']);
  });
});

describe('checkpoints', () => {
  const checkpoint = (epoch: number): Checkpoint => ({
    epoch,
    history: {
      loss: [0.5, 0.3, 0.2].slice(0, epoch),
      accuracy: [0.8, 0.9, 0.95].slice(0, epoch),
      val_loss: [0.4, 0.35, 0.3].slice(0, epoch),
      val_accuracy: [0.85, 0.9, 0.92].slice(0, epoch),
      seconds: [1, 1, 1].slice(0, epoch),
      workers: [1, 2, 2].slice(0, epoch),
    },
    weights: [
      { name: 'dense_1/kernel', shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6].map((v) => v * epoch)) },
      { name: 'dense_1/bias', shape: [3], values: Float32Array.from([0.5, -0.25, epoch]) },
    ],
    optimizer: {
      className: 'Adam',
      iterations: 43 * epoch,
      slots: {
        'dense_1/kernel': { m: new Float32Array(6).fill(0.1 * epoch), v: new Float32Array(6).fill(0.01) },
        'dense_1/bias': { m: new Float32Array(3), v: new Float32Array(3).fill(epoch) },
      },
    },
  });

  it('round-trips weights, optimizer slots and history bit for bit, keeping the latest epoch and the one before', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-ckpt-'));
    expect(readCheckpoint(dir)).toBeNull();
    writeCheckpoint(dir, checkpoint(1));
    writeCheckpoint(dir, checkpoint(2));
    writeCheckpoint(dir, checkpoint(3));
    expect(readCheckpoint(dir)).toEqual(checkpoint(3));
    expect(readdirSync(dir).sort()).toEqual(['epoch-2', 'epoch-3', 'latest.json']);
  });

  it('stores a checkpoint without optimizer state (the data-parallel trainer keeps it in its workers)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-ckpt-'));
    writeCheckpoint(dir, { ...checkpoint(1), optimizer: null });
    expect(readCheckpoint(dir)).toEqual({ ...checkpoint(1), optimizer: null });
  });

  it('ignores an epoch folder whose write was cut short, and a corrupt manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-ckpt-'));
    writeCheckpoint(dir, checkpoint(1));
    // A crash halfway through epoch 2's checkpoint: its folder exists, latest.json still says 1.
    mkdirSync(join(dir, 'epoch-2'));
    writeFileSync(join(dir, 'epoch-2', 'weights.bin'), new Uint8Array(5));
    expect(readCheckpoint(dir)).toEqual(checkpoint(1));
    // A manifest that cannot be read: the epoch folder's own manifest still holds epoch 1.
    writeFileSync(join(dir, 'latest.json'), '{"version": 1, "epoch": 2, "folder": "epoch-2"');
    const warnings: string[] = [];
    expect(readCheckpoint(dir, (w) => warnings.push(w))).toEqual(checkpoint(1));
    expect(warnings).toEqual([
      `${join(dir, 'latest.json')} is damaged: not valid JSON (Expected ',' or '}' after property value in JSON at position 46); continuing from the checkpoint after epoch 1 instead`,
    ]);
    // Nothing intact left: "no checkpoint", the run starts over rather than crash.
    writeFileSync(join(dir, 'epoch-1', 'manifest.json'), '[]');
    warnings.length = 0;
    expect(readCheckpoint(dir, (w) => warnings.push(w))).toBeNull();
    expect(warnings[0]).toMatch(/no intact checkpoint is left, so the run starts afresh$/);
  });

  it('detects a checkpoint cut short or changed on disk, and falls back to the previous epoch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnn-ckpt-'));
    writeCheckpoint(dir, checkpoint(1));
    writeCheckpoint(dir, checkpoint(2));
    const weights = join(dir, 'epoch-2', 'weights.bin');
    const whole = readFileSync(weights);
    // Cut short by 4 bytes (one float): the manifest recorded 36 bytes.
    writeFileSync(weights, whole.subarray(0, whole.length - 4));
    const warnings: string[] = [];
    expect(readCheckpoint(dir, (w) => warnings.push(w))).toEqual(checkpoint(1));
    expect(warnings).toEqual([
      `the checkpoint after epoch 2 (${join(dir, 'epoch-2')}) is damaged: weights.bin has 32 bytes, expected 36 (cut short?); continuing from the checkpoint after epoch 1 instead`,
    ]);
    // Same size, one value changed: the checksum tells.
    const changed = Buffer.from(whole);
    changed[0] = changed[0]! ^ 1;
    writeFileSync(weights, changed);
    warnings.length = 0;
    expect(readCheckpoint(dir, (w) => warnings.push(w))).toEqual(checkpoint(1));
    expect(warnings[0]).toContain('weights.bin does not match its checksum (changed on disk)');
    // The previous epoch damaged too: a fresh start, said so.
    writeFileSync(join(dir, 'epoch-1', 'optimizer.bin'), new Uint8Array(0));
    warnings.length = 0;
    expect(readCheckpoint(dir, (w) => warnings.push(w))).toBeNull();
    expect(warnings[0]).toMatch(/optimizer\.bin has 0 bytes, expected \d+ .*no intact checkpoint is left/);
  });

  it("removes a finished run's checkpoint, and the checkpoints folder with the last one", () => {
    const root = join(mkdtempSync(join(tmpdir(), 'fnn-ckpt-')), 'checkpoints');
    writeCheckpoint(join(root, 'a'), checkpoint(1));
    writeCheckpoint(join(root, 'b'), checkpoint(1));
    removeCheckpoint(join(root, 'a'));
    expect(readdirSync(root)).toEqual(['b']);
    removeCheckpoint(join(root, 'b'));
    expect(existsSync(root)).toBe(false);
  });
});
