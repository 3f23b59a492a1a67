import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { OptimizerState } from '@fnn/core';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
import { readBoundedFile, readBoundedJson } from './bounded-read.js';
import { errorMessage } from './errors.js';
import { MAX_JSON_FILE_BYTES, MAX_PARAMS } from './limits.js';
import type { EpochHistory } from './epoch-history.js';

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

interface StoredFile {
  bytes: number;
  sha256: string;
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
  /** Size and checksum of each array file: a file cut short or changed on disk is detected, not loaded. */
  files?: { weights: StoredFile; optimizer: StoredFile };
}

const MANIFEST = 'latest.json';
/** Each epoch folder's own copy of its manifest, so an older epoch can be used when a newer one is damaged. */
const FOLDER_MANIFEST = 'manifest.json';
/** Epoch folders kept: the newest and the one before, to fall back to. */
const KEEP = 2;
/** Bytes of a checkpoint's arrays: the weights, and the optimizer's slots (Adam: two per weight). */
const MAX_ARRAY_BYTES = 4 * 3 * MAX_PARAMS;

/**
 * Writes a checkpoint under `dir`: the arrays go to a fresh `epoch-N/` folder with their sizes
 * and checksums in its manifest, then `latest.json` is swapped in atomically to point at it, then
 * folders older than the previous epoch are removed — so an interruption at any moment leaves
 * whole checkpoints, and one damaged later on disk can be told from a good one.
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
  const weightBytes = concat(
    checkpoint.weights.map((w) => w.values),
    offset,
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
  const optimizerBytes = concat(slotArrays, offset);
  writeFileAtomic(join(dir, folder, 'weights.bin'), weightBytes);
  writeFileAtomic(join(dir, folder, 'optimizer.bin'), optimizerBytes);
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
    files: { weights: stored(weightBytes), optimizer: stored(optimizerBytes) },
  };
  writeJsonAtomic(join(dir, folder, FOLDER_MANIFEST), manifest);
  writeJsonAtomic(join(dir, MANIFEST), manifest);
  const older = epochFolders(dir).filter((f) => f.epoch < checkpoint.epoch);
  for (const f of older.slice(KEEP - 1)) rmSync(join(dir, f.name), { recursive: true, force: true });
  for (const f of epochFolders(dir).filter((f) => f.epoch > checkpoint.epoch)) {
    rmSync(join(dir, f.name), { recursive: true, force: true }); // left by an attempt that went further
  }
}

/**
 * The newest intact checkpoint in `dir`, or null when there is none. A damaged one (a file cut
 * short, a checksum that does not match, a manifest that cannot be read) is skipped with a
 * warning naming it, falling back to the previous epoch's checkpoint, else to a fresh start.
 */
export function readCheckpoint(dir: string, warn: (message: string) => void = () => {}): Checkpoint | null {
  const candidates: string[] = [];
  if (existsSync(join(dir, MANIFEST))) candidates.push(join(dir, MANIFEST));
  for (const f of epochFolders(dir)) {
    if (existsSync(join(dir, f.name, FOLDER_MANIFEST))) candidates.push(join(dir, f.name, FOLDER_MANIFEST));
  }
  const problems: string[] = [];
  const tried = new Set<string>();
  for (const path of candidates) {
    let manifest: Manifest | null = null;
    try {
      manifest = validManifest(readBoundedJson(path, MAX_JSON_FILE_BYTES));
      if (tried.has(manifest.folder)) continue;
      tried.add(manifest.folder);
      const checkpoint = load(dir, manifest);
      if (problems.length > 0) {
        warn(`${problems.join('; ')}; continuing from the checkpoint after epoch ${checkpoint.epoch} instead`);
      }
      return checkpoint;
    } catch (error) {
      const what = manifest ? `the checkpoint after epoch ${manifest.epoch} (${join(dir, manifest.folder)})` : path;
      problems.push(`${what} is damaged: ${errorMessage(error)}`);
    }
  }
  if (problems.length > 0) warn(`${problems.join('; ')}; no intact checkpoint is left, so the run starts afresh`);
  return null;
}

function load(dir: string, m: Manifest): Checkpoint {
  const weightData = readFloats(join(dir, m.folder, 'weights.bin'), m.files?.weights);
  const slotData = readFloats(join(dir, m.folder, 'optimizer.bin'), m.files?.optimizer);
  const within = (what: string, offset: number, length: number, data: Float32Array) => {
    if (offset + length > data.length) {
      throw new Error(`${what} needs values ${offset}..${offset + length} but the file holds ${data.length}`);
    }
  };
  const slots: OptimizerState['slots'] = {};
  for (const s of m.optimizer?.slots ?? []) {
    within(`slot ${s.slot} of ${s.weight}`, s.offset, s.length, slotData);
    slots[s.weight] ??= {};
    slots[s.weight]![s.slot] = slotData.slice(s.offset, s.offset + s.length);
  }
  return {
    epoch: m.epoch,
    history: m.history,
    weights: m.weights.map((w) => {
      within(`weight ${w.name}`, w.offset, w.length, weightData);
      return { name: w.name, shape: w.shape, values: weightData.slice(w.offset, w.offset + w.length) };
    }),
    optimizer: m.optimizer && { className: m.optimizer.className, iterations: m.optimizer.iterations, slots },
  };
}

/** Checks the manifest's shape (types and ranges) before anything is read or allocated from it. */
function validManifest(value: unknown): Manifest {
  const m = value as Manifest;
  const count = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  const ok =
    m !== null &&
    typeof m === 'object' &&
    m.version === 1 &&
    count(m.epoch) &&
    typeof m.folder === 'string' &&
    m.folder === `epoch-${m.epoch}` &&
    m.history !== null &&
    typeof m.history === 'object' &&
    (['loss', 'accuracy', 'val_loss', 'val_accuracy', 'seconds'] as const).every(
      (k) =>
        Array.isArray(m.history[k]) &&
        m.history[k].length === m.epoch &&
        m.history[k].every((v) => typeof v === 'number' && Number.isFinite(v)),
    ) &&
    Array.isArray(m.weights) &&
    m.weights.every(
      (w) => typeof w?.name === 'string' && count(w.offset) && count(w.length) && Array.isArray(w.shape),
    ) &&
    (m.optimizer === null ||
      (typeof m.optimizer === 'object' &&
        Array.isArray(m.optimizer.slots) &&
        m.optimizer.slots.every(
          (s) => typeof s?.weight === 'string' && typeof s.slot === 'string' && count(s.offset) && count(s.length),
        ))) &&
    (m.files === undefined ||
      [m.files?.weights, m.files?.optimizer].every(
        (f) => count(f?.bytes) && f!.bytes <= MAX_ARRAY_BYTES && typeof f!.sha256 === 'string',
      ));
  if (!ok) throw new Error('its manifest is not a checkpoint manifest of this version');
  return m;
}

function stored(bytes: Uint8Array): StoredFile {
  return { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function epochFolders(dir: string): { name: string; epoch: number }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, match: /^epoch-(\d+)$/.exec(name) }))
    .filter((f) => f.match !== null)
    .map((f) => ({ name: f.name, epoch: Number(f.match![1]) }))
    .sort((a, b) => b.epoch - a.epoch);
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

/** Reads an array file, checking the size and checksum its manifest recorded (older manifests: none). */
function readFloats(path: string, expected: StoredFile | undefined): Float32Array {
  const bytes = readBoundedFile(path, expected?.bytes ?? MAX_ARRAY_BYTES);
  if (expected && bytes.byteLength !== expected.bytes) {
    throw new Error(`${basename(path)} has ${bytes.byteLength} bytes, expected ${expected.bytes} (cut short?)`);
  }
  if (expected && stored(bytes).sha256 !== expected.sha256) {
    throw new Error(`${basename(path)} does not match its checksum (changed on disk)`);
  }
  if (bytes.byteLength % 4 !== 0)
    throw new Error(`${basename(path)}: ${bytes.byteLength} bytes is not a whole number of float32 values`);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
