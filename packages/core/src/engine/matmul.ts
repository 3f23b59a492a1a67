import { tf, type Tensor } from '../tf.js';
import { transpose2d } from './transpose.js';

/**
 * Matrix product with optional transposes. wasm's BatchMatMul is ~13x slower with a transpose
 * flag than on plain operands (see NOTES.md), so on wasm the operand is transposed first (with
 * the fast 2-D transpose of transpose.ts).
 */
export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  if ((transposeA || transposeB) && tf.getBackend() === 'wasm') {
    return tf.matMul(transposeA ? transpose2d(a) : a, transposeB ? transpose2d(b) : b);
  }
  return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, transposeA, transposeB);
}
