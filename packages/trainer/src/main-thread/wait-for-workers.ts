import { Ctrl } from '../shared-memory/layout.js';
import { WAIT_SLICE_MS } from '../shared-memory/wait.js';

interface WaitAsyncResult {
  async: boolean;
  value: Promise<'ok' | 'timed-out'> | 'not-equal' | 'timed-out';
}
const waitAsync = (
  Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t?: number) => WaitAsyncResult }
).waitAsync;

/**
 * Main-thread wait (never blocks the event loop) until `done()` holds, re-checked whenever the
 * workers bump `Ctrl.events` (and at least every WAIT_SLICE_MS); rejects as soon as `failure` does.
 */
export async function waitForWorkers(control: Int32Array, done: () => boolean, failure: Promise<never>): Promise<void> {
  for (;;) {
    // Read the counter before checking, so a change in between makes waitAsync return at once.
    const events = Atomics.load(control, Ctrl.events);
    if (done()) return;
    const result = waitAsync(control, Ctrl.events, events, WAIT_SLICE_MS);
    await Promise.race([result.async ? (result.value as Promise<unknown>) : undefined, failure]);
  }
}
