import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import type { LayerWeight } from '../layers/layer-weight.js';
import type { Node } from './node.js';
import { SymbolicTensor } from './symbolic-tensor.js';
import type { CallContext } from './context.js';

/** What the forward pass keeps for the backward pass: one entry per executed node. */
export interface Tape {
  entries: { node: Node; saved: unknown }[];
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

  constructor(
    readonly inputs: SymbolicTensor[],
    readonly outputs: SymbolicTensor[],
    owner: string,
  ) {
    assertSymbolic(inputs, 'inputs', owner);
    assertSymbolic(outputs, 'outputs', owner);
    const seen = new Set<SymbolicTensor>();
    for (const t of inputs) {
      if (t.sourceLayer.className !== 'InputLayer') {
        throw new ValueError(
          `${owner}: inputs must come from input() or an InputLayer, but ${t.name} comes from layer ${t.sourceLayer.name} (${t.sourceLayer.className}).`,
        );
      }
      if (seen.has(t))
        throw new ValueError(
          `${owner}: input ${t.sourceLayer.name} is listed twice in inputs; each input must appear once.`,
        );
      seen.add(t);
    }
    const nodesInDecreasingDepth: Node[] = [];
    const layerIndices = new Map<Layer, number>();
    const finished = new Set<Node>();
    const inProgress = new Set<Node>();
    // Depth-first, post-order, with an explicit stack: a chain of thousands of layers (a model
    // file can declare one) would overflow the call stack if this recursed.
    const visit = (tensor: SymbolicTensor): void => {
      const stack: { node: Node; next: number }[] = [];
      const enter = (t: SymbolicTensor): void => {
        const node = nodeOf(t);
        if (inProgress.has(node))
          throw new ValueError(`${owner}: the graph has a cycle at layer ${node.outboundLayer.name}.`);
        if (finished.has(node)) return;
        if (!layerIndices.has(node.outboundLayer)) layerIndices.set(node.outboundLayer, layerIndices.size);
        inProgress.add(node);
        stack.push({ node, next: 0 });
      };
      enter(tensor);
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        if (top.next < top.node.inputTensors.length) {
          enter(top.node.inputTensors[top.next++]!);
          continue;
        }
        stack.pop();
        finished.add(top.node);
        inProgress.delete(top.node);
        nodesInDecreasingDepth.push(top.node);
      }
    };
    for (const t of outputs) visit(t);

    const nodeDepths = new Map<Node, number>();
    const layerDepths = new Map<Layer, number>();
    for (const node of [...nodesInDecreasingDepth].reverse()) {
      const depth = Math.max(nodeDepths.get(node) ?? 0, layerDepths.get(node.outboundLayer) ?? 0);
      layerDepths.set(node.outboundLayer, depth);
      nodeDepths.set(node, depth);
      for (const t of node.inputTensors) {
        const inbound = nodeOf(t);
        nodeDepths.set(inbound, Math.max(depth + 1, nodeDepths.get(inbound) ?? 0));
      }
    }
    this.nodeDepths = nodeDepths;
    const byDepthThenIndex = (a: [number, number], b: [number, number]) => b[0] - a[0] || a[1] - b[1];
    this.nodes = [...nodeDepths.keys()].sort((a, b) =>
      byDepthThenIndex(
        [nodeDepths.get(a)!, layerIndices.get(a.outboundLayer)!],
        [nodeDepths.get(b)!, layerIndices.get(b.outboundLayer)!],
      ),
    );
    this.layers = [...layerDepths.keys()].sort((a, b) =>
      byDepthThenIndex([layerDepths.get(a)!, layerIndices.get(a)!], [layerDepths.get(b)!, layerIndices.get(b)!]),
    );

    // Saved weights and serialized connections refer to layers by name.
    const byName = new Map<string, number>();
    for (const layer of this.layers) byName.set(layer.name, (byName.get(layer.name) ?? 0) + 1);
    for (const [name, count] of byName) {
      if (count > 1)
        throw new ValueError(
          `${owner}: the layer name ${JSON.stringify(name)} is used by ${count} layers; layer names must be unique within a model.`,
        );
    }

    // Every source of the graph must be one of the declared inputs.
    const declared = new Set(inputs.map((t) => t.id));
    const computable = new Set<number>(declared);
    for (const node of this.nodes) {
      if (node.inputTensors.length === 0) {
        if (!declared.has(node.outputTensor.id)) {
          const users = this.nodes
            .filter((n) => n.inputTensors.some((t) => t.id === node.outputTensor.id))
            .map((n) => n.outboundLayer.name);
          throw new ValueError(
            `${owner}: graph disconnected: the outputs need input ${node.outboundLayer.name} (used by ${users.join(', ')}), which is not among the model's inputs [${inputs.map((t) => t.sourceLayer.name).join(', ')}]; add it to inputs.`,
          );
        }
        continue;
      }
      for (const t of node.inputTensors)
        if (!computable.has(t.id)) throw new ValueError(`${owner}: graph disconnected at ${t.name}.`);
      computable.add(node.outputTensor.id);
    }
    for (const t of inputs) {
      if (!nodeDepths.has(nodeOf(t))) {
        throw new ValueError(
          `${owner}: input ${t.sourceLayer.name} is not connected to any of the outputs [${outputs.map((o) => o.name).join(', ')}].`,
        );
      }
    }
  }

  /** Runs the graph; with a tape, keeps what `backward` needs. Call inside `tf.tidy`. */
  forward(inputs: Tensor[], context: CallContext, tape?: Tape): Tensor[] {
    const values = new Map<number, Tensor>();
    this.inputs.forEach((t, i) => {
      values.set(t.id, inputs[i]!);
    });
    for (const node of this.nodes) {
      if (node.inputTensors.length === 0) continue;
      const args = node.inputTensors.map((t) => values.get(t.id)!);
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
      for (const { node } of tape.entries) {
        if (node.outboundLayer.trainable)
          for (const w of node.outboundLayer.ownTrainableWeights) callsLeft.set(w, (callsLeft.get(w) ?? 0) + 1);
      }
    }
    for (let i = tape.entries.length - 1; i >= 0; i--) {
      const { node, saved } = tape.entries[i]!;
      const layer = node.outboundLayer;
      const dy = grads.get(node.outputTensor.id);
      if (dy !== undefined) {
        const needsInputGradients = node.inputTensors.some((t) => t.sourceLayer.className !== 'InputLayer');
        const g = layer.backward(dy, saved, context, needsInputGradients);
        if (needsInputGradients)
          node.inputTensors.forEach((t, k) => {
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

function nodeOf(tensor: SymbolicTensor): Node {
  return tensor.sourceLayer.inboundNodes[tensor.nodeIndex]!;
}
