import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import type { LayerWeight } from '../layers/layer-weight.js';
import type { Node } from './node.js';
import { SymbolicTensor } from './symbolic-tensor.js';
import type { CallContext } from './context.js';
import { checkInputs, orderGraph } from './graph-order.js';
import { conv2dMaxPoolBackward, conv2dMaxPoolCall, convPoolPairs } from '../layers/conv2d-max-pool.js';
import type { Conv2D } from '../layers/conv2d.js';
import type { MaxPooling2D } from '../layers/max-pooling2d.js';

/**
 * What the forward pass keeps for the backward pass: one entry per executed node, or per pair
 * run as one kernel (`node` the pool, `fusedFrom` the Conv2D node whose gradients it gives).
 */
export interface Tape {
  entries: { node: Node; saved: unknown; fusedFrom?: Node }[];
}

/**
 * The directed acyclic graph of layer calls between a model's inputs and outputs. Nodes are
 * ordered as Keras 2 orders them (by depth from the outputs, ties broken by discovery order),
 * which fixes both the execution order and the `model.layers` order shown by `summary()`.
 */
export class Graph {
  /** Nodes in execution order (inputs first). */
  readonly nodes: Node[];
  /** Layers in Keras order. */
  readonly layers: Layer[];
  /** Depth of each node from the outputs (outputs are 0). */
  readonly nodeDepths: Map<Node, number>;
  /** Conv2D(relu) nodes run together with the MaxPooling2D node that alone reads them, where the backend can. */
  private readonly convPools: Map<Node, Node>;

  constructor(
    readonly inputs: SymbolicTensor[],
    readonly outputs: SymbolicTensor[],
    owner: string,
  ) {
    assertSymbolic(inputs, 'inputs', owner);
    assertSymbolic(outputs, 'outputs', owner);
    checkInputs(inputs, owner);
    const { nodes, layers, nodeDepths } = orderGraph(inputs, outputs, owner);
    this.nodes = nodes;
    this.layers = layers;
    this.nodeDepths = nodeDepths;
    this.convPools = convPoolPairs(nodes, outputs);
  }

  /** Runs the graph; with a tape, keeps what `backward` needs. Call inside `tf.tidy`. */
  forward(inputs: Tensor[], context: CallContext, tape?: Tape): Tensor[] {
    const values = new Map<number, Tensor>();
    this.inputs.forEach((t, i) => {
      values.set(t.id, inputs[i]!);
    });
    const done = new Set<Node>();
    for (const node of this.nodes) {
      if (node.inputTensors.length === 0 || done.has(node)) continue;
      const args = node.inputTensors.map((t) => values.get(t.id)!);
      const pool = this.convPools.get(node);
      const fused =
        pool && conv2dMaxPoolCall(node.outboundLayer as Conv2D, pool.outboundLayer as MaxPooling2D, args[0]!);
      if (pool && fused) {
        values.set(pool.outputTensor.id, fused.output);
        tape?.entries.push({ node: pool, saved: fused.saved, fusedFrom: node });
        done.add(pool);
        continue;
      }
      const { output, saved } = node.outboundLayer.call(args, context);
      values.set(node.outputTensor.id, output);
      tape?.entries.push({ node, saved });
    }
    return this.outputs.map((t) => values.get(t.id)!);
  }

  /**
   * Propagates output gradients back through the taped calls; returns the gradient of every
   * trainable weight (summed over the calls of shared layers). `onWeightGradient`, if given,
   * gets each weight's gradient as soon as it is final — after the weight's last taped call —
   * while earlier layers still run (a data-parallel trainer starts combining gradients then).
   * Call inside `tf.tidy`.
   */
  backward(
    tape: Tape,
    outputGradients: Tensor[],
    context: CallContext,
    onWeightGradient?: (weight: LayerWeight, gradient: Tensor) => void,
  ): Map<LayerWeight, Tensor> {
    const grads = new Map<number, Tensor>();
    const accumulate = <K>(map: Map<K, Tensor>, key: K, value: Tensor) => {
      const prev = map.get(key);
      map.set(key, prev ? tf.add(prev, value) : value);
    };
    this.outputs.forEach((t, i) => {
      accumulate(grads, t.id, outputGradients[i]!);
    });
    const weightGrads = new Map<LayerWeight, Tensor>();
    // Taped calls left per weight: at 0 its gradient is complete.
    const callsLeft = new Map<LayerWeight, number>();
    if (onWeightGradient) {
      for (const { node, fusedFrom } of tape.entries) {
        const layer = (fusedFrom ?? node).outboundLayer;
        if (layer.trainable) for (const w of layer.ownTrainableWeights) callsLeft.set(w, (callsLeft.get(w) ?? 0) + 1);
      }
    }
    for (let i = tape.entries.length - 1; i >= 0; i--) {
      const { node, saved, fusedFrom } = tape.entries[i]!;
      // A fused pair's gradients are its Conv2D node's: for its inputs and weights.
      const source = fusedFrom ?? node;
      const layer = source.outboundLayer;
      const dy = grads.get(node.outputTensor.id);
      if (dy !== undefined) {
        const needsInputGradients = source.inputTensors.some((t) => t.sourceLayer.className !== 'InputLayer');
        const g = fusedFrom
          ? conv2dMaxPoolBackward(dy, saved, context, needsInputGradients)
          : layer.backward(dy, saved, context, needsInputGradients);
        if (needsInputGradients)
          source.inputTensors.forEach((t, k) => {
            accumulate(grads, t.id, g.inputs[k]!);
          });
        if (layer.trainable)
          layer.ownTrainableWeights.forEach((w, k) => {
            accumulate(weightGrads, w, g.weights[k]!);
          });
      }
      if (onWeightGradient && layer.trainable) {
        for (const w of layer.ownTrainableWeights) {
          const left = callsLeft.get(w)! - 1;
          callsLeft.set(w, left);
          const gradient = weightGrads.get(w);
          if (left === 0 && gradient !== undefined) onWeightGradient(w, gradient);
        }
      }
    }
    return weightGrads;
  }
}

/** Catches concrete tensors and layers passed where the model needs `input()` / `layer.apply()` results. */
function assertSymbolic(tensors: unknown[], argument: string, owner: string): void {
  tensors.forEach((t, i) => {
    if (t instanceof SymbolicTensor) return;
    const received =
      t instanceof tf.Tensor
        ? `a concrete tensor of shape [${t.shape.join(', ')}]`
        : typeof t === 'object' && t !== null && 'inboundNodes' in t
          ? `the layer ${String((t as unknown as { name: unknown }).name)} itself (pass the result of its apply())`
          : describeValue(t);
    throw new ValueError(
      `${owner}: ${argument}[${i}] must be a symbolic tensor from input() or layer.apply(), but got ${received}.`,
    );
  });
}
