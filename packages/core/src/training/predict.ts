import { tf, type Tensor } from '../tf.js';
import { inferenceContext } from '../engine/context.js';
import type { TrainableModel } from '../models/model-interface.js';
import { checkData, checkPositiveInteger, toList } from './data-adapter.js';

export interface PredictArgs {
  /** Samples per batch. Default 32. */
  batchSize?: number;
}

/**
 * `model.predict(x, {batchSize})`: the outputs in inference mode (no dropout, batch norm with
 * its moving statistics), computed batch by batch and concatenated. One tensor per output.
 */
export function predictModel(model: TrainableModel, x: Tensor | Tensor[], args: PredictArgs = {}): Tensor | Tensor[] {
  const owner = `predict (model ${model.name})`;
  const batchSize = checkPositiveInteger(args.batchSize ?? 32, 'batchSize', owner);
  const inputs = toList(x, 'x', owner);
  const numSamples = checkData(model, { x: inputs }, owner);
  const context = inferenceContext();
  const parts: Tensor[][] = [];
  for (let start = 0; start < numSamples; start += batchSize) {
    const size = Math.min(batchSize, numSamples - start);
    parts.push(
      tf.tidy(() => model.forward(size === numSamples ? inputs : inputs.map((t) => tf.slice(t, start, size)), context)),
    );
  }
  let outputs = parts[0] ?? [];
  if (parts.length > 1) {
    outputs = outputs.map((_, o) =>
      tf.concat(
        parts.map((p) => p[o]!),
        0,
      ),
    );
    for (const t of parts.flat()) t.dispose();
  }
  return outputs.length === 1 ? outputs[0]! : outputs;
}
