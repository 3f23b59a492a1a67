import { tf, type Tensor } from '../tf.js';
import { RuntimeError, ValueError, describeValue } from '../errors.js';
import { uniqueName } from '../naming.js';
import { Graph, type Tape } from '../engine/graph.js';
import type { CallContext } from '../engine/context.js';
import type { SymbolicTensor } from '../engine/symbolic-tensor.js';
import type { Layer } from '../layers/layer.js';
import type { LayerWeight } from '../layers/layer-weight.js';
import { printSummary } from './summary.js';
import { serializeModel, type ModelTopology } from './serialization.js';
import { saveModel } from '../io/save.js';
import type { FileSaveResult } from '../io/file-system.js';
import { compileModel, type CompileArgs, type CompiledState } from '../training/compile.js';
import { fitModel, type FitArgs } from '../training/fit.js';
import { evaluateModel, type EvaluateArgs } from '../training/evaluate.js';
import { predictModel, type PredictArgs } from '../training/predict.js';
import type { History } from '../training/history.js';

export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

/**
 * A model built from a graph of layer calls (Keras's functional `Model`, tfjs's `LayersModel`).
 * `Sequential` is the special case of a chain.
 */
export class LayersModel {
  static className = 'Model';
  readonly name: string;
  /** Set by `compile`. */
  compiled: CompiledState | undefined;
  /** Set to true by a callback (e.g. early stopping) to end `fit` after the current epoch. */
  stopTraining = false;
  protected graphOrUndefined: Graph | undefined;
  private disposedFlag = false;

  constructor(args?: ModelArgs, defaultPrefix = 'model', name?: string) {
    this.name = args?.name ?? name ?? uniqueName(defaultPrefix);
    if (args !== undefined) {
      const inputs = Array.isArray(args.inputs) ? args.inputs : [args.inputs];
      const outputs = Array.isArray(args.outputs) ? args.outputs : [args.outputs];
      if (inputs.length === 0 || outputs.length === 0) {
        throw new ValueError(
          `Model ${this.name}: expected at least one input and one output, but got ${inputs.length} inputs and ${outputs.length} outputs.`,
        );
      }
      this.graphOrUndefined = new Graph(inputs, outputs, `Model ${this.name}`);
    }
  }

  get className(): string {
    return (this.constructor as typeof LayersModel).className;
  }

  get graph(): Graph {
    if (this.graphOrUndefined === undefined) {
      throw new ValueError(
        `Model ${this.name} has no inputs yet: give its first layer an inputShape (or inputDim), or add an inputLayer first.`,
      );
    }
    return this.graphOrUndefined;
  }

  get inputs(): SymbolicTensor[] {
    return this.graph.inputs;
  }

  get outputs(): SymbolicTensor[] {
    return this.graph.outputs;
  }

  /** Layers in Keras order (for Sequential, without the implicit InputLayer). */
  get layers(): Layer[] {
    return this.graph.layers;
  }

  /** Every weight, once, in `layers` order (the order of `getWeights` and saved files). */
  get weights(): LayerWeight[] {
    return unique(this.layers.flatMap((l) => l.weights));
  }

  get trainableWeights(): LayerWeight[] {
    return unique(this.layers.flatMap((l) => l.trainableWeights));
  }

  get nonTrainableWeights(): LayerWeight[] {
    return unique(this.layers.flatMap((l) => l.nonTrainableWeights));
  }

  getLayer(name: string): Layer {
    const layer = this.layers.find((l) => l.name === name);
    if (!layer)
      throw new ValueError(
        `Model ${this.name}: no layer named ${describeValue(name)}; layers are ${this.layers.map((l) => l.name).join(', ')}.`,
      );
    return layer;
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Copies of all weight values, in Keras order. */
  getWeights(): Tensor[] {
    this.assertNotDisposed('getWeights');
    return this.weights.map((w) => tf.clone(w.read()));
  }

  setWeights(values: Tensor[]): void {
    this.assertNotDisposed('setWeights');
    const weights = this.weights;
    if (values.length !== weights.length) {
      throw new ValueError(
        `Model ${this.name}: setWeights expected ${weights.length} tensors (${weights.map((w) => w.name).join(', ')}), but got ${values.length}.`,
      );
    }
    weights.forEach((w, i) => w.write(values[i]!));
  }

  /**
   * Runs the model on concrete inputs (one tensor per model input). With a tape, records what
   * `backward` needs. Call inside `tf.tidy`.
   */
  forward(inputs: Tensor[], context: CallContext, tape?: Tape): Tensor[] {
    if (inputs.length !== this.inputs.length) {
      throw new ValueError(
        `Model ${this.name}: expected ${this.inputs.length} input tensor(s), but got ${inputs.length}.`,
      );
    }
    return this.graph.forward(inputs, context, tape);
  }

  /**
   * Gradients of all trainable weights (zeros for weights the outputs do not depend on), in
   * `trainableWeights` order; `onWeightGradient` as in Graph.backward (not called for the zeros).
   */
  backward(
    tape: Tape,
    outputGradients: Tensor[],
    context: CallContext,
    onWeightGradient?: (weight: LayerWeight, gradient: Tensor) => void,
  ): Tensor[] {
    const byWeight = this.graph.backward(tape, outputGradients, context, onWeightGradient);
    return this.trainableWeights.map((w) => byWeight.get(w) ?? tf.zerosLike(w.read()));
  }

  /** Prints (and returns) Keras's summary table. */
  summary(lineLength?: number, positions?: number[], printFn: (line: string) => void = console.log): string {
    return printSummary(this, lineLength, positions, printFn);
  }

  /** The model topology in tfjs-layers' JSON form (`{class_name, config, keras_version, backend}`). */
  toJSON(): ModelTopology {
    return serializeModel(this);
  }

  /**
   * Saves in the tfjs-layers format: `save('file://out/model')` writes `model.json` + `weights.bin`;
   * any tfjs IOHandler (`tf.io.withSaveHandler`, ...) receives tfjs's ModelArtifacts.
   */
  save(url: string): Promise<FileSaveResult>;
  save(handler: tf.io.IOHandler): Promise<tf.io.SaveResult>;
  save(handlerOrUrl: string | tf.io.IOHandler): Promise<FileSaveResult | tf.io.SaveResult> {
    const disposed = this.disposedError('save');
    return disposed ? Promise.reject(disposed) : saveModel(this, handlerOrUrl);
  }

  compile(args: CompileArgs): void {
    compileModel(this, args);
  }

  fit(x: Tensor | Tensor[], y: Tensor | Tensor[], args: FitArgs = {}): Promise<History> {
    const disposed = this.disposedError('fit');
    return disposed ? Promise.reject(disposed) : fitModel(this, x, y, args);
  }

  evaluate(x: Tensor | Tensor[], y: Tensor | Tensor[], args: EvaluateArgs = {}): Tensor | Tensor[] {
    this.assertNotDisposed('evaluate');
    return evaluateModel(this, x, y, args);
  }

  predict(x: Tensor | Tensor[], args: PredictArgs = {}): Tensor | Tensor[] {
    this.assertNotDisposed('predict');
    return predictModel(this, x, args);
  }

  /**
   * Frees the weights and the optimizer's state (when `compile` created the optimizer from a
   * name); the model cannot be used afterwards. A second call does nothing.
   */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    if (this.compiled !== undefined && typeof this.compiled.args.optimizer === 'string')
      this.compiled.optimizer.dispose();
    if (this.hasGraph()) for (const w of this.weights) w.dispose();
  }

  /** True after `dispose()`, or when a weight was disposed through a layer this model shares. */
  get isDisposed(): boolean {
    return this.disposedError('use') !== undefined;
  }

  private disposedError(operation: string): RuntimeError | undefined {
    if (this.disposedFlag) {
      return new RuntimeError(
        `Model ${this.name} was disposed: ${operation} needs its weights, which dispose() freed. Build or load the model again.`,
      );
    }
    const freed = this.hasGraph() ? this.weights.find((w) => w.variable.isDisposed) : undefined;
    if (freed === undefined) return undefined;
    return new RuntimeError(
      `Model ${this.name}: weight ${freed.name} was disposed (by dispose() on a model or layer sharing it); ${operation} needs it.`,
    );
  }

  private assertNotDisposed(operation: string): void {
    const error = this.disposedError(operation);
    if (error) throw error;
  }

  /** Whether the model has its graph (inputs known), without the error `graph` gives otherwise. */
  private hasGraph(): boolean {
    try {
      return this.graph !== undefined;
    } catch {
      return false;
    }
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** A functional model: `model({inputs, outputs})`, as `tf.model`. */
export function model(args: ModelArgs): LayersModel {
  return new LayersModel(args);
}
