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
    chosen = name;
    return name;
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
      chosen = candidate;
      return candidate;
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
