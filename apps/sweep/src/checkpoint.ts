import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OptimizerState } from '@fnn/core';
import { writeJsonAtomic } from './atomic-write.js';
import type { EpochHistory } from './executor.js';

/** Training state at the end of an epoch: enough to continue as if never stopped. */
export interface Checkpoint {
  /** Epochs completed. */
  epoch: number;
  history: EpochHistory;
  /** Every weight of the model (trainable and not), by name. */
  weights: { name: string; shape: number[]; values: Float32Array }[];
  /** The optimizer's step count and slots (Adam's m and v), when the engine can read them mid-fit. */
  optimizer: OptimizerState | null;
}

interface Manifest {
  version: 1;
  epoch: number;
  folder: string;
  history: EpochHistory;
  weights: { name: string; shape: number[]; offset: number; length: number }[];
  optimizer: {
    className: string;
    iterations: number;
    slots: { weight: string; slot: string; offset: number; length: number }[];
  } | null;
}

const MANIFEST = 'latest.json';

/**
 * Writes a checkpoint under `dir`: the arrays go to a fresh `epoch-N/` folder, then
 * `latest.json` is swapped in atomically to point at it, then older folders are removed — so an
 * interruption at any moment leaves the previous checkpoint or the new one, whole.
 */
export function writeCheckpoint(dir: string, checkpoint: Checkpoint): void {
  const folder = `epoch-${checkpoint.epoch}`;
  mkdirSync(join(dir, folder), { recursive: true });
  const weights: Manifest['weights'] = [];
  let offset = 0;
  for (const w of checkpoint.weights) {
    weights.push({ name: w.name, shape: w.shape, offset, length: w.values.length });
    offset += w.values.length;
  }
  writeFileSync(
    join(dir, folder, 'weights.bin'),
    concat(
      checkpoint.weights.map((w) => w.values),
      offset,
    ),
  );
  const slots: NonNullable<Manifest['optimizer']>['slots'] = [];
  const slotArrays: Float32Array[] = [];
  offset = 0;
  for (const [weight, bySlot] of Object.entries(checkpoint.optimizer?.slots ?? {})) {
    for (const [slot, values] of Object.entries(bySlot)) {
      slots.push({ weight, slot, offset, length: values.length });
      slotArrays.push(values);
      offset += values.length;
    }
  }
  writeFileSync(join(dir, folder, 'optimizer.bin'), concat(slotArrays, offset));
  const manifest: Manifest = {
    version: 1,
    epoch: checkpoint.epoch,
    folder,
    history: checkpoint.history,
    weights,
    optimizer: checkpoint.optimizer && {
      className: checkpoint.optimizer.className,
      iterations: checkpoint.optimizer.iterations,
      slots,
    },
  };
  writeJsonAtomic(join(dir, MANIFEST), manifest);
  for (const name of readdirSync(dir)) {
    if (name.startsWith('epoch-') && name !== folder) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** The last complete checkpoint in `dir`, or null when there is none (or it cannot be read). */
export function readCheckpoint(dir: string): Checkpoint | null {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return null;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
    if (m.version !== 1) return null;
    const weightData = readFloats(join(dir, m.folder, 'weights.bin'));
    const slotData = readFloats(join(dir, m.folder, 'optimizer.bin'));
    const slots: OptimizerState['slots'] = {};
    for (const s of m.optimizer?.slots ?? []) {
      (slots[s.weight] ??= {})[s.slot] = slotData.slice(s.offset, s.offset + s.length);
    }
    return {
      epoch: m.epoch,
      history: m.history,
      weights: m.weights.map((w) => ({
        name: w.name,
        shape: w.shape,
        values: weightData.slice(w.offset, w.offset + w.length),
      })),
      optimizer: m.optimizer && { className: m.optimizer.className, iterations: m.optimizer.iterations, slots },
    };
  } catch {
    return null;
  }
}

/** Removes a finished run's checkpoint, and the checkpoints folder once no run has one left. */
export function removeCheckpoint(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  try {
    rmdirSync(dirname(dir)); // fails while other runs still hold checkpoints: that is fine
  } catch {
    // not empty, or already gone
  }
}

function concat(arrays: Float32Array[], total: number): Uint8Array {
  const out = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return new Uint8Array(out.buffer);
}

function readFloats(path: string): Float32Array {
  const bytes = readFileSync(path);
  if (bytes.byteLength % 4 !== 0)
    throw new Error(`${path}: ${bytes.byteLength} bytes is not a whole number of float32 values`);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
