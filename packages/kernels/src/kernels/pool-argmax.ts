/*
 * Argmax records of live MaxPool outputs, so that MaxPoolGrad (which tfjs hands dy, the input
 * and the output) scatters dy through the recorded window offsets instead of reading the whole
 * input again and redoing every comparison. A record is used only for the same output, the same
 * input tensor and array, the same geometry, and an input array this package allocated that was
 * never handed out (readSync) nor updated in place: its values are still those the record was
 * made from. A record goes when its output tensor is disposed.
 */
interface ArgmaxRecord {
  input: object;
  values: Float32Array;
  geometry: string;
  argmax: Uint8Array;
}

const records = new WeakMap<object, ArgmaxRecord>();
const free = new Map<number, Uint8Array[]>();
const MAX_FREE_PER_LENGTH = 8;

/** An array for a new record (its contents are overwritten). */
export function takeArgmaxArray(length: number): Uint8Array {
  return free.get(length)?.pop() ?? new Uint8Array(length);
}

export function recordArgmax(output: object, record: ArgmaxRecord): void {
  records.set(output, record);
}

/** The record of `output` made from this input tensor and array with this geometry, if any. */
export function argmaxFor(output: object, input: object, values: Float32Array, geometry: string): Uint8Array | null {
  const record = records.get(output);
  if (!record || record.input !== input || record.values !== values || record.geometry !== geometry) return null;
  return record.argmax;
}

/** Drops the record of a disposed output, keeping its array for the next one. */
export function forgetArgmax(output: object): void {
  const record = records.get(output);
  if (!record) return;
  records.delete(output);
  let list = free.get(record.argmax.length);
  if (!list) {
    list = [];
    free.set(record.argmax.length, list);
  }
  if (list.length < MAX_FREE_PER_LENGTH) list.push(record.argmax);
}
