import type { Shape } from '../shape.js';
import type { Layer } from '../layers/layer.js';

let nextId = 0;

/**
 * A placeholder for a tensor in a model graph: it has a shape (batch dimension `null`) and
 * remembers which layer call produced it, so `model({inputs, outputs})` can trace the graph.
 */
export class SymbolicTensor {
  readonly id = nextId++;
  constructor(
    readonly shape: Shape,
    /** The layer whose call produced this tensor. */
    readonly sourceLayer: Layer,
    /** Which call of `sourceLayer` (a shared layer is called several times). */
    readonly nodeIndex: number,
    readonly tensorIndex = 0,
  ) {}

  get name(): string {
    return `${this.sourceLayer.name}[${this.nodeIndex}][${this.tensorIndex}]`;
  }
}
