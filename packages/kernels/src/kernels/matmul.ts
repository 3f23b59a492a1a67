import { BatchMatMul, _FusedMatMul, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { Activation, type NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { applyFusedActivation, isSupportedFusedActivation } from './fused-activation.js';
import { f32, output, override, runNative, sizeOf, type KernelArgs } from './util.js';

/** The product a·b and what is fused into its store: a bias row (or null) and an activation. */
interface MatMulArgs {
  a: TensorInfo;
  b: TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
  bias: Float32Array | null;
  activation: number;
}

/**
 * a·b with optional transposes, batch dims (equal, or one side unbatched), a bias over the last
 * axis and relu fused into the store; null when the shapes or dtypes need tfjs-cpu.
 */
function matMul(backend: MathBackendCPU, addon: NativeAddon, product: MatMulArgs): TensorInfo | null {
  const { a, b, transposeA, transposeB, bias, activation } = product;
  const av = f32(backend, a);
  const bv = f32(backend, b);
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (!av || !bv || ra < 2 || rb < 2) return null;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) return null; // tfjs-cpu throws its own message
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  let outer: number[];
  if (batchB === 1 && outerB.length <= outerA.length) outer = outerA;
  else if (batchA === 1 && outerA.length <= outerB.length) outer = outerB;
  else if (outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i])) outer = outerA;
  else return null;
  const batch = sizeOf(outer);
  const out = takeFloat32(batch * m * n);
  addon.gemm(
    av,
    bv,
    out,
    batch,
    m,
    n,
    k,
    transposeA,
    transposeB,
    batchA === 1 ? 0 : m * k,
    batchB === 1 ? 0 : k * n,
    bias,
    activation,
  );
  return output(backend, [...outer, m, n], out);
}

/** A bias that broadcasts over the last axis only, as a length-n array; null otherwise. */
function rowBias(backend: MathBackendCPU, bias: TensorInfo, n: number): Float32Array | null {
  const values = f32(backend, bias);
  if (!values) return null;
  if (values.length === n && bias.shape[bias.shape.length - 1] === n) return values;
  if (values.length === 1) return new Float32Array(n).fill(values[0]!);
  return null;
}

export const matMulKernels = [
  override(BatchMatMul, ({ inputs, backend, attrs }, addon) =>
    matMul(backend, addon, {
      a: inputs.a!,
      b: inputs.b!,
      transposeA: Boolean(attrs?.transposeA),
      transposeB: Boolean(attrs?.transposeB),
      bias: null,
      activation: Activation.linear,
    }),
  ),

  override(_FusedMatMul, (args: KernelArgs, addon) => {
    const { inputs, backend, attrs } = args;
    const { a, b, bias, preluActivationWeights } = inputs;
    const transposeA = Boolean(attrs?.transposeA);
    const transposeB = Boolean(attrs?.transposeB);
    const activation = (attrs?.activation as string | undefined) ?? 'linear';
    if (!isSupportedFusedActivation(activation)) return null;
    const n = transposeB ? b!.shape[b!.shape.length - 2]! : b!.shape[b!.shape.length - 1]!;
    const biasRow = bias ? rowBias(backend, bias, n) : null;
    const fusedRelu = activation === 'relu' && (!bias || biasRow !== null);
    let current = matMul(backend, addon, {
      a: a!,
      b: b!,
      transposeA,
      transposeB,
      bias: biasRow,
      activation: fusedRelu ? Activation.relu : Activation.linear,
    });
    if (!current) return null;
    if (bias && !biasRow) {
      const sum = runNative('Add', { inputs: { a: current, b: bias }, backend });
      backend.disposeIntermediateTensorInfo(current);
      current = sum;
    }
    if (fusedRelu) return current;
    return applyFusedActivation(backend, current, {
      activation,
      preluActivationWeights,
      leakyreluAlpha: attrs?.leakyreluAlpha,
    });
  }),
];
