import type { Layer } from '../layers/layer.js';
import type { SymbolicTensor } from './symbolic-tensor.js';

/** One call of a layer on symbolic inputs: the edge that connects layers in a graph. */
export class Node {
  constructor(
    readonly outboundLayer: Layer,
    readonly inputTensors: SymbolicTensor[],
    readonly outputTensor: SymbolicTensor,
  ) {}

  get inboundLayers(): Layer[] {
    return this.inputTensors.map((t) => t.sourceLayer);
  }
}
