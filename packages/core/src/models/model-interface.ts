/*
 * What the code around a model (training, callbacks, saving, summary, serialization) needs of it.
 * `LayersModel` implements these interfaces and calls that code; the code depends on them only,
 * never on models/model.ts, so neither side imports the other.
 */
import type { Tensor } from '../tf.js';
import type { CallContext } from '../engine/context.js';
import type { Graph, Tape } from '../engine/graph.js';
import type { SymbolicTensor } from '../engine/symbolic-tensor.js';
import type { Layer } from '../layers/layer.js';
import type { LayerWeight } from '../layers/layer-weight.js';
import type { CompiledState } from '../training/compiled-state.js';

/** A model's structure: what summary, serialization and saving read. */
export interface ModelStructure {
  readonly name: string;
  /** `'Sequential'` or `'Model'`. */
  readonly className: string;
  readonly graph: Graph;
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  readonly layers: Layer[];
  /** Every weight once, in `layers` order (the order of saved files). */
  readonly weights: LayerWeight[];
  readonly trainableWeights: LayerWeight[];
  readonly nonTrainableWeights: LayerWeight[];
}

/** What `compile` sets and every training function reads. */
export interface CompilableModel {
  readonly name: string;
  readonly outputs: SymbolicTensor[];
  compiled: CompiledState | undefined;
}

/** What training drives: the forward and backward passes, the weights, and the callbacks' handles. */
export interface TrainableModel extends ModelStructure, CompilableModel {
  /** Set to true by a callback to end training after the current batch or epoch. */
  stopTraining: boolean;
  forward(inputs: Tensor[], context: CallContext, tape?: Tape): Tensor[];
  backward(
    tape: Tape,
    outputGradients: Tensor[],
    context: CallContext,
    onWeightGradient?: (weight: LayerWeight, gradient: Tensor) => void,
  ): Tensor[];
  getWeights(): Tensor[];
  setWeights(values: Tensor[]): void;
  /** `model.save('file://...')`, as ModelCheckpoint calls it. */
  save(url: string): Promise<unknown>;
}
