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
 * `FNN_BACKEND` environment variable; empty counts as unset) tries tfjs-node, then native
 * (@fnn/kernels), then wasm, then cpu, and reports once, in one line, the backend and why better
 * ones were skipped. An explicit name that cannot load is an error.
 */
export async function setBackend(name?: BackendName, options: { quiet?: boolean } = {}): Promise<string> {
  const fromEnvironment = name === undefined && (process.env.FNN_BACKEND ?? '') !== '';
  const requested: unknown = name ?? (fromEnvironment ? process.env.FNN_BACKEND : 'auto');
  if (!BACKEND_NAMES.includes(requested as BackendName)) {
    throw new ValueError(
      fromEnvironment
        ? `Expected the environment variable FNN_BACKEND to be one of ${BACKEND_NAMES.join(', ')}, but got ${describeValue(requested)}.`
        : `setBackend: expected one of ${BACKEND_NAMES.join(', ')}, but got ${describeValue(requested)}.`,
    );
  }
  if (requested !== 'auto') {
    // tfjs's own state, not our last choice: something may have switched backends since.
    if (chosen === requested && tf.getBackend() === requested) return requested;
    const reason = await tryBackend(requested as Exclude<BackendName, 'auto'>);
    if (reason !== null) throw new ValueError(`setBackend: backend '${requested}' is not available here: ${reason}`);
    chosen = requested as string;
    return chosen;
  }
  const skipped: { name: string; reason: string }[] = [];
  for (const candidate of AUTO_ORDER) {
    const reason = await tryBackend(candidate);
    if (reason === null) {
      if (!announced && !options.quiet && process.env.FNN_QUIET !== '1') {
        const why = skipped.map((s) => `${s.name}: ${briefReason(s.reason)}`).join('; ');
        process.stderr.write(`[fnn] backend: ${candidate}${why === '' ? '' : ` (skipped ${why})`}\n`);
      }
      announced = true;
      chosen = candidate;
      return candidate;
    }
    skipped.push({ name: candidate, reason });
  }
  throw new ValueError(
    `setBackend: no backend could be loaded:\n${skipped.map((s) => `skipped backend ${s.name}: ${s.reason}`).join('\n')}`,
  );
}

/** A skip reason short enough for the one-line notice (the full one: setBackend(name) with that name). */
export function briefReason(reason: string): string {
  if (/tfjs_binding\.node/.test(reason)) return 'its native library (tfjs_binding.node) is not installed';
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(reason);
  if (missing) return `${missing[1]} is not installed`;
  const text = reason.replace(/(?:\/[^\s/:'"]+)+\/([^\s/:'"]+)/g, '$1'); // paths → file names
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** The backend in use, selecting one with `setBackend()` first if none was chosen yet. */
export async function ensureBackend(): Promise<string> {
  return chosen === undefined ? setBackend() : tf.getBackend();
}

/** The name of the active backend (after `setBackend`). */
export function getBackend(): string {
  return tf.getBackend();
}
