import { createRequire } from 'node:module';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { tf } from './tf.js';
import { ValueError, describeValue } from './errors.js';

export type BackendName = 'auto' | 'tensorflow' | 'native' | 'wasm' | 'cpu';
const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'];

/** Backends tried by `auto`, best first. */
const AUTO_ORDER: readonly Exclude<BackendName, 'auto'>[] = ['tensorflow', 'native', 'wasm', 'cpu'];

/**
 * What core calls of @fnn/kernels (an optional dependency, loaded on demand): the registration of
 * the 'native' backend. Its kernels then run through tfjs's kernel registry (engine/fused.ts).
 */
interface KernelsPackage {
  registerNativeBackend(): void;
}

let nativeModule: KernelsPackage | undefined;

async function loadNativeKernels(): Promise<void> {
  if (nativeModule) return;
  // A variable specifier: @fnn/kernels is optional, and core builds without it.
  const specifier = '@fnn/kernels';
  let loaded: KernelsPackage;
  try {
    loaded = (await import(specifier)) as KernelsPackage;
  } catch (error) {
    throw new Error(`@fnn/kernels is not installed (${firstLine(error)})`);
  }
  loaded.registerNativeBackend(); // throws "native addon not built: ..." without the addon
  nativeModule = loaded;
}

const require = createRequire(import.meta.url);
let announced = false;
let chosen: string | undefined;

/** Why a backend cannot be used here, in one line, or null when it can. */
async function tryBackend(name: Exclude<BackendName, 'auto'>): Promise<string | null> {
  if (name === 'tensorflow') {
    try {
      // tfjs-node registers the 'tensorflow' backend when its native addon loads.
      require('@tensorflow/tfjs-node');
    } catch (error) {
      return firstLine(error);
    }
  }
  if (name === 'native') {
    try {
      await loadNativeKernels();
    } catch (error) {
      return firstLine(error);
    }
  }
  try {
    if (!(await tf.setBackend(name))) return `tf.setBackend('${name}') returned false`;
    await tf.ready();
    return null;
  } catch (error) {
    return firstLine(error);
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n').find((line) => line.trim() !== '') ?? text).trim();
}

/**
 * Selects the TensorFlow.js backend and returns the one in use. `auto` (the default, or the
 * `FNN_BACKEND` environment variable) tries tfjs-node, then native (@fnn/kernels), then wasm, then cpu, and reports once,
 * one line per backend, why the better ones were skipped. An explicit name that cannot load is
 * an error.
 */
export async function setBackend(
  name: BackendName | undefined = (process.env.FNN_BACKEND as BackendName | undefined) ?? 'auto',
  options: { quiet?: boolean } = {},
): Promise<string> {
  if (!BACKEND_NAMES.includes(name)) {
    throw new ValueError(`setBackend: expected one of ${BACKEND_NAMES.join(', ')}, but got ${describeValue(name)}.`);
  }
  if (name !== 'auto') {
    if (chosen === name) return name;
    const reason = await tryBackend(name);
    if (reason !== null) throw new ValueError(`setBackend: backend '${name}' is not available here: ${reason}`);
    return (chosen = name);
  }
  const skipped: string[] = [];
  for (const candidate of AUTO_ORDER) {
    const reason = await tryBackend(candidate);
    if (reason === null) {
      if (!announced && !options.quiet && process.env.FNN_QUIET !== '1') {
        for (const line of skipped) process.stderr.write(`[fnn] ${line}\n`);
        process.stderr.write(`[fnn] backend: ${candidate}\n`);
      }
      announced = true;
      return (chosen = candidate);
    }
    skipped.push(`skipped backend ${candidate}: ${reason}`);
  }
  throw new ValueError(`setBackend: no backend could be loaded:\n${skipped.join('\n')}`);
}

/** The backend in use, selecting one with `setBackend()` first if none was chosen yet. */
export async function ensureBackend(): Promise<string> {
  return chosen ?? setBackend();
}

/** The name of the active backend (after `setBackend`). */
export function getBackend(): string {
  return tf.getBackend();
}
