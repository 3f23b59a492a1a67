import { ValueError, describeValue } from '../errors.js';
import type { Shape } from '../shape.js';
import { Graph } from '../engine/graph.js';
import { Layer } from '../layers/layer.js';
import { InputLayer, input } from '../layers/input-layer.js';
import type { SymbolicTensor } from '../engine/symbolic-tensor.js';
import { LayersModel } from './model.js';

export interface SequentialArgs {
  layers?: Layer[];
  name?: string;
}

/** A linear stack of layers, as Keras's `Sequential`. */
export class Sequential extends LayersModel {
  static override className = 'Sequential';
  /** Layers added before the input shape was known (built by `build`). */
  private pending: Layer[] = [];
  private input: SymbolicTensor | undefined;
  private output: SymbolicTensor | undefined;

  constructor(args: SequentialArgs = {}) {
    super(undefined, 'sequential', args.name);
    for (const layer of args.layers ?? []) this.add(layer);
  }

  add(layer: Layer): void {
    if (!(layer instanceof Layer)) {
      throw new ValueError(`Sequential ${this.name}: add() expects a layer, but got ${describeValue(layer)}.`);
    }
    if (this.output === undefined) {
      if (layer instanceof InputLayer) {
        this.input = this.output = layer.output;
      } else if (layer.batchInputShape !== undefined && this.pending.length === 0) {
        // Keras names the implicit input after the first layer, without using an input_N name.
        this.input = input({ batchShape: layer.batchInputShape, name: `${layer.name}_input` });
        this.output = layer.apply(this.input);
      } else {
        this.pending.push(layer);
        return;
      }
    } else {
      if (layer instanceof InputLayer) {
        throw new ValueError(
          `Sequential ${this.name}: an InputLayer can only be the first layer, but ${layer.name} was added after ${this.output.sourceLayer.name}.`,
        );
      }
      this.output = layer.apply(this.output);
    }
    this.graphOrUndefined = undefined;
  }

  /** Creates the input for layers added without an input shape; `batchInputShape` like `[null, 784]`. */
  build(batchInputShape: Shape): void {
    if (this.input !== undefined) return;
    const layers = this.pending;
    this.pending = [];
    this.input = this.output = input({
      batchShape: batchInputShape,
      ...(layers[0] ? { name: `${layers[0].name}_input` } : {}),
    });
    for (const layer of layers) this.add(layer);
  }

  override get graph(): Graph {
    if (this.graphOrUndefined === undefined) {
      if (this.input === undefined || this.output === undefined || this.output === this.input) {
        const first = this.pending[0];
        throw new ValueError(
          first === undefined
            ? `Sequential ${this.name} has no layers yet: add() a layer with an inputShape or inputDim.`
            : `Sequential ${this.name}: the first layer (${first.name}) needs an inputShape or inputDim argument, or call build([null, ...]) first.`,
        );
      }
      this.graphOrUndefined = new Graph([this.input], [this.output], `Sequential ${this.name}`);
    }
    return this.graphOrUndefined;
  }

  /** As in Keras, the implicit InputLayer is not listed. */
  override get layers(): Layer[] {
    return this.graph.layers.filter((l) => !(l instanceof InputLayer));
  }
}

export function sequential(args?: SequentialArgs | Layer[]): Sequential {
  return new Sequential(Array.isArray(args) ? { layers: args } : args);
}
