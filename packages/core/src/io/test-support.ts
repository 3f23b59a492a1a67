// Shared by the io tests: temporary folders, seeded weights, and "refused without leaking".
// Test-runner free (it is compiled with the package), so checks throw plain Errors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValueError } from '../errors.js';
import { SeededRandom } from '../random.js';
import { tf } from '../tf.js';
import type { LayersModel } from '../models/model.js';

/** A temporary folder for one test file: call `create` before the tests and `remove` after. */
export function tempFolders(prefix: string) {
  let root = '';
  let count = 0;
  return {
    create: async () => {
      root = await mkdtemp(join(tmpdir(), prefix));
    },
    remove: () => rm(root, { recursive: true, force: true }),
    root: () => root,
    /** A new, not yet existing, sub-folder path. */
    fresh: () => join(root, `m${count++}`),
  };
}

/** Seeded weights in [-0.5, 0.5) (moving variances in [0.5, 1.5)), so a round trip is really checked. */
export function randomizeWeights(m: LayersModel, seed: number): void {
  const random = new SeededRandom(seed);
  m.setWeights(
    m.weights.map((w) =>
      tf.tensor(
        Float32Array.from({ length: w.size }, () =>
          w.name.endsWith('moving_variance') ? random.uniform(0.5, 1.5) : random.uniform(-0.5, 0.5),
        ),
        w.shape,
      ),
    ),
  );
}

/** `attempt` fails with a ValueError matching `message` and leaves no tensor behind. */
export async function expectRefused(attempt: () => unknown, message: string | RegExp): Promise<ValueError> {
  const before = tf.memory().numTensors;
  const error = await Promise.resolve()
    .then(attempt)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(error instanceof ValueError))
    throw new Error(`expected a ValueError, but got ${String(error)}`, { cause: error });
  if (typeof message === 'string' ? !error.message.includes(message) : !message.test(error.message))
    throw new Error(`expected the error to match ${String(message)}, but got: ${error.message}`);
  if (tf.memory().numTensors !== before)
    throw new Error(`the refused attempt left ${tf.memory().numTensors - before} tensors behind`);
  return error as ValueError;
}

/** A RegExp matching `text` literally. */
export function literally(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}
