/**
 * Reuses the Float32Arrays of disposed tensors for new kernel outputs. A fresh large typed array
 * costs more than the matmul that fills it (zeroing, page faults and V8's external-memory
 * scavenges: 0.3–1 ms for 784 KB here), so outputs come from here and go back on dispose.
 * Only arrays this package allocated are ever reused, and never once they may be seen
 * elsewhere: `readSync`/`dataSync` hands them out, or a kernel returns a view of them.
 */
const MAX_POOLED_BYTES = 256 * 1024 * 1024;
const MAX_PER_LENGTH = 32;

const free = new Map<number, Float32Array[]>();
const recyclable = new WeakSet<Float32Array>();
/** Arrays handed out by readSync (dataSync, data, ...): their holder may keep them. */
const escaped = new WeakSet<object>();
let pooledBytes = 0;

/** A Float32Array of `length` with unspecified contents: the caller overwrites every element. */
export function takeFloat32(length: number): Float32Array {
  const list = free.get(length);
  const reused = list?.pop();
  if (reused) {
    pooledBytes -= reused.byteLength;
    return reused;
  }
  const fresh = new Float32Array(length);
  if (length >= 1024) recyclable.add(fresh);
  return fresh;
}

/** Returns an array whose tensor was disposed; ignored unless it came from `takeFloat32` and never escaped. */
export function releaseFloat32(values: unknown): void {
  if (!(values instanceof Float32Array) || !recyclable.has(values)) return;
  if (pooledBytes + values.byteLength > MAX_POOLED_BYTES) return;
  let list = free.get(values.length);
  if (!list) {
    list = [];
    free.set(values.length, list);
  }
  if (list.length >= MAX_PER_LENGTH) return;
  list.push(values);
  pooledBytes += values.byteLength;
}

/** The array may be referenced outside the backend from now on: never reuse it, nor change it in place. */
export function markEscaped(values: unknown): void {
  if (values instanceof Float32Array) recyclable.delete(values);
  if (typeof values === 'object' && values !== null) escaped.add(values);
}

/** Whether readSync handed the array out. */
export function hasEscaped(values: unknown): boolean {
  return typeof values === 'object' && values !== null && escaped.has(values);
}

export function isRecyclable(values: unknown): boolean {
  return values instanceof Float32Array && recyclable.has(values);
}

/** Drops every pooled array (their memory goes back to the garbage collector). */
export function clearPool(): void {
  free.clear();
  pooledBytes = 0;
}

/** What the pool holds now (diagnostics): arrays and bytes, per length. */
export function poolStats(): { arrays: number; bytes: number; lengths: number } {
  let arrays = 0;
  for (const list of free.values()) arrays += list.length;
  return { arrays, bytes: pooledBytes, lengths: free.size };
}
