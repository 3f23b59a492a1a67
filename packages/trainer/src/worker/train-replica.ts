// The piscina task module: one long-lived task per worker thread for a whole `fit`.
import { setBackend } from '@fnn/core';
import { ReplicaAbortedError } from '../errors.js';
import { decode, encode, type FailureRecord, type ReplicaSpec, type ReplicaTask } from '../messages.js';
import { Ctrl, FAILURE_BYTES, SharedViews } from '../shared-memory/layout.js';
import { Replica } from './replica.js';

export default async function trainReplica(task: ReplicaTask): Promise<Uint8Array> {
  const shared = new SharedViews(task.shared);
  let replica: Replica | undefined;
  try {
    const spec = decode<ReplicaSpec>(task.spec);
    const backend = await setBackend(spec.backend, { quiet: true });
    replica = new Replica(task, spec, shared, backend);
    return encode(replica.run());
  } catch (error) {
    if (!(error instanceof ReplicaAbortedError)) recordFailure(shared, task.workerIndex, error);
    // Release the other workers now rather than when the main thread notices.
    shared.abort();
    throw error;
  } finally {
    replica?.dispose();
  }
}

/** Writes the first failure's cause into shared memory (later ones lose the race and are dropped). */
function recordFailure(shared: SharedViews, workerIndex: number, error: unknown): void {
  if (Atomics.compareExchange(shared.control, Ctrl.failureClaimed, 0, 1) !== 0) return;
  const e = error instanceof Error ? error : new Error(String(error));
  const record: FailureRecord = {
    workerIndex,
    name: e.name,
    message: e.message.slice(0, 2000),
    stack: (e.stack ?? '').slice(0, 4000),
  };
  let bytes = encode(record);
  if (bytes.length > FAILURE_BYTES) bytes = encode({ ...record, stack: '' });
  shared.failure.set(bytes.subarray(0, FAILURE_BYTES));
  Atomics.store(shared.control, Ctrl.failureLength, Math.min(bytes.length, FAILURE_BYTES));
}
