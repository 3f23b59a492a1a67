import { tf } from '../../tf.js';
import type { TrainableModel } from '../../models/model-interface.js';

/** Copies of all weight values, in `model.weights` order, held in JavaScript (no tensors to leak). */
export function snapshotWeights(model: TrainableModel): Float32Array[] {
  return model.weights.map((w) => Float32Array.from(w.read().dataSync() as ArrayLike<number>));
}

export function restoreWeights(model: TrainableModel, snapshot: Float32Array[]): void {
  model.weights.forEach((w, i) => {
    const value = tf.tensor(snapshot[i]!, w.shape, 'float32');
    w.write(value);
    value.dispose();
  });
}
