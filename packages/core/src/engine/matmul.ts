import { tf, type Tensor } from '../tf.js';

/**
 * Matrix product with optional transposes. wasm's BatchMatMul is ~13x slower with a transpose
 * flag than on plain operands (see NOTES.md), so on wasm the operand is transposed first.
 */
export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  if ((transposeA || transposeB) && tf.getBackend() === 'wasm') {
    return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
  }
  return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, transposeA, transposeB);
}
