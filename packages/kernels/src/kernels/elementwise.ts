import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { BinaryOp, Broadcast, CompareOp, UnaryOp, type NativeAddon } from '../addon.js';
import { takeFloat32 } from '../buffer-pool.js';
import { f32, output, override, sizeOf, type KernelArgs } from './util.js';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Right-aligns `shape` to `rank` with leading ones. */
function padShape(shape: readonly number[], rank: number): number[] {
  return [...new Array<number>(rank - shape.length).fill(1), ...shape];
}

interface Layout {
  mode: number;
  outer: number;
  inner: number;
}

/**
 * The broadcasts the native loops handle: equal shapes, a scalar, a trailing block repeated
 * over the leading axes (a bias row), or one value per row (a keepDims reduction).
 */
export function broadcastLayout(
  aShape: readonly number[],
  bShape: readonly number[],
  outShape: readonly number[],
): Layout | null {
  const size = sizeOf(outShape);
  const rank = outShape.length;
  const inner = rank === 0 ? 1 : outShape[rank - 1]!;
  const outer = inner === 0 ? 0 : size / inner;
  const aFull = sameShape(padShape(aShape, rank), outShape);
  const bFull = sameShape(padShape(bShape, rank), outShape);
  if (aFull && bFull) return { mode: Broadcast.same, outer: 1, inner: size };
  const classify = (small: readonly number[], row: number, scalar: number, col: number): Layout | null => {
    const s = sizeOf(small);
    if (s === 1) return { mode: scalar, outer: 1, inner: size };
    const padded = padShape(small, rank);
    // A trailing block: leading ones then exactly the output's trailing dims.
    const firstNonOne = padded.findIndex((d) => d !== 1);
    if (firstNonOne >= 0 && padded.slice(firstNonOne).every((d, i) => d === outShape[firstNonOne + i])) {
      return { mode: row, outer: size / s, inner: s };
    }
    if (padded[rank - 1] === 1 && sameShape(padded.slice(0, -1), outShape.slice(0, -1))) {
      return { mode: col, outer, inner };
    }
    return null;
  };
  if (aFull) return classify(bShape, Broadcast.rowB, Broadcast.scalarB, Broadcast.colB);
  if (bFull) return classify(aShape, Broadcast.rowA, Broadcast.scalarA, Broadcast.colA);
  return null;
}

/** The float32 operands of a two-input op and their broadcast layout, or null when tfjs-cpu must handle it. */
function broadcastOperands({ inputs, backend }: KernelArgs) {
  const { a, b } = inputs;
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (!av || !bv) return null;
  const outShape = backend_util.assertAndGetBroadcastShape(a!.shape, b!.shape);
  const layout = broadcastLayout(a!.shape, b!.shape, outShape);
  return layout && { av, bv, outShape, layout };
}

function binaryKernel(op: number) {
  return (args: KernelArgs, addon: NativeAddon): TensorInfo | null => {
    const operands = broadcastOperands(args);
    if (!operands) return null;
    const { av, bv, outShape, layout } = operands;
    const out = takeFloat32(sizeOf(outShape));
    addon.binary(op, layout.mode, av, bv, out, layout.outer, layout.inner);
    return output(args.backend, outShape, out);
  };
}

function compareKernel(op: number) {
  return (args: KernelArgs, addon: NativeAddon): TensorInfo | null => {
    const operands = broadcastOperands(args);
    if (!operands) return null;
    const { av, bv, outShape, layout } = operands;
    const out = new Uint8Array(sizeOf(outShape));
    addon.compare(op, layout.mode, av, bv, out, layout.outer, layout.inner);
    return output(args.backend, outShape, out, 'bool');
  };
}

function unaryKernel(op: number) {
  return ({ inputs, backend, attrs }: KernelArgs, addon: NativeAddon): TensorInfo | null => {
    const x = inputs.x;
    const xv = f32(backend, x);
    if (!xv) return null;
    const out = takeFloat32(xv.length);
    addon.unary(op, xv, out, op === UnaryOp.step ? Number(attrs?.alpha ?? 0) : 0);
    return output(backend, [...x!.shape], out);
  };
}

function selectKernel({ inputs, backend }: KernelArgs, addon: NativeAddon): TensorInfo | null {
  const { condition, t, e } = inputs;
  const cv = condition ? backend.data.get(condition.dataId).values : null;
  const tv = f32(backend, t);
  const ev = f32(backend, e);
  if (!(cv instanceof Uint8Array) || !tv || !ev || cv.length !== tv.length || ev.length !== tv.length) return null;
  const out = takeFloat32(tv.length);
  addon.select(cv, tv, ev, out);
  return output(backend, [...t!.shape], out);
}

export const elementwiseKernels = [
  override('Add', binaryKernel(BinaryOp.add)),
  override('Sub', binaryKernel(BinaryOp.sub)),
  override('Multiply', binaryKernel(BinaryOp.mul)),
  override('RealDiv', binaryKernel(BinaryOp.div)),
  override('Maximum', binaryKernel(BinaryOp.max)),
  override('Minimum', binaryKernel(BinaryOp.min)),
  override('SquaredDifference', binaryKernel(BinaryOp.squaredDifference)),
  override('Greater', compareKernel(CompareOp.greater)),
  override('GreaterEqual', compareKernel(CompareOp.greaterEqual)),
  override('Less', compareKernel(CompareOp.less)),
  override('LessEqual', compareKernel(CompareOp.lessEqual)),
  override('Equal', compareKernel(CompareOp.equal)),
  override('NotEqual', compareKernel(CompareOp.notEqual)),
  override('Relu', unaryKernel(UnaryOp.relu)),
  override('Relu6', unaryKernel(UnaryOp.relu6)),
  override('Step', unaryKernel(UnaryOp.step)),
  override('Exp', unaryKernel(UnaryOp.exp)),
  override('Log', unaryKernel(UnaryOp.log)),
  override('Neg', unaryKernel(UnaryOp.neg)),
  override('Sqrt', unaryKernel(UnaryOp.sqrt)),
  override('Square', unaryKernel(UnaryOp.square)),
  override('Sigmoid', unaryKernel(UnaryOp.sigmoid)),
  override('Tanh', unaryKernel(UnaryOp.tanh)),
  override('Rsqrt', unaryKernel(UnaryOp.rsqrt)),
  override('Abs', unaryKernel(UnaryOp.abs)),
  override('Reciprocal', unaryKernel(UnaryOp.reciprocal)),
  override('Select', selectKernel),
];
