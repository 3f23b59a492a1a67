import { createRequire } from 'node:module';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { tf, type Tensor, type Variable } from './tf.js';
import { ValueError, describeValue } from './errors.js';

export type BackendName = 'auto' | 'tensorflow' | 'native' | 'wasm' | 'cpu';
const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'];

/** Backends tried by `auto`, best first. */
const AUTO_ORDER: readonly Exclude<BackendName, 'auto'>[] = ['tensorflow', 'native', 'wasm', 'cpu'];

/**
 * The parts of @fnn/kernels (an optional dependency, loaded on demand) that core calls: the
 * backend registration and fused updates over the tensors' own Float32Arrays.
 */
export interface NativeKernels {
  registerNativeBackend(): void;
  /** A float32 tensor's memory on the native backend (no copy), valid until it is disposed. */
  tensorValues(tensor: Tensor): Float32Array | null;
  /** A variable's memory, made exclusive to it, for in-place updates. */
  variableValues(variable: Variable): Float32Array | null;
  nativeAdamUpdate(
    params: Float32Array[],
    grads: Float32Array[],
    m: Float32Array[],
    v: Float32Array[],
    options: {
      lr: number;
      beta1: number;
      beta2: number;
      epsilon: number;
      step: number;
      epsilonForm?: 'keras' | 'pytorch';
    },
  ): void;
  nativeSgdUpdate(
    params: Float32Array[],
    grads: Float32Array[],
    velocities: Float32Array[] | null,
    options: { lr: number; momentum?: number; nesterov?: boolean },
  ): void;
  nativeRmspropUpdate(
    params: Float32Array[],
    grads: Float32Array[],
    meanSquares: Float32Array[],
    moments: Float32Array[] | null,
    options: { lr: number; rho: number; momentum?: number; epsilon: number },
  ): void;
  /** `weightedSum(out, parts, weights)` in one native pass (the same bits); absent from older builds. */
  nativeWeightedSum?(out: Float32Array, parts: Float32Array[], weights: number[]): void;
  /** `fillDropoutMask(out, rate, seed)` in one native pass (the same bits). */
  nativeDropoutMask(out: Float32Array, rate: number, seed: number): void;
  /** The same mask as a tensor whose memory comes from the native backend's buffer pool. */
  nativeDropoutMaskTensor(shape: number[], rate: number, seed: number): Tensor;
  /** Training-mode batch norm over all axes but the last: output, batch mean and (biased) variance, 1/std. */
  nativeBatchNormTrain(
    x: Tensor,
    gamma: Tensor | null,
    beta: Tensor | null,
    epsilon: number,
  ): { y: Tensor; mean: Tensor; variance: Tensor; invStd: Tensor };
  /** Its gradients: dx, dgamma, dbeta. */
  nativeBatchNormTrainGrad(
    dy: Tensor,
    x: Tensor,
    mean: Tensor,
    invStd: Tensor,
    gamma: Tensor | null,
  ): { dx: Tensor | null; dgamma: Tensor; dbeta: Tensor };
}

let nativeModule: NativeKernels | undefined;

/** @fnn/kernels once the 'native' backend has loaded, else undefined (use it only while that backend is active). */
export function nativeKernels(): NativeKernels | undefined {
  return nativeModule;
}

async function loadNativeKernels(): Promise<void> {
  if (nativeModule) return;
  // A variable specifier: @fnn/kernels is optional, and core builds without it.
  const specifier = '@fnn/kernels';
  let loaded: NativeKernels;
  try {
    loaded = (await import(specifier)) as NativeKernels;
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
    return (chosen = requested as string);
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
      return (chosen = candidate);
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
