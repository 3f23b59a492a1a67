import { ValueError } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import type { Node } from './node.js';
import type { SymbolicTensor } from './symbolic-tensor.js';

// How a Graph orders and checks its nodes: Keras 2's order (by depth from the outputs, ties by
// discovery order), and the errors a malformed graph gets before anything runs.

/** The nodes and layers of a graph in Keras order, and each node's depth from the outputs (0). */
export interface GraphOrder {
  nodes: Node[];
  layers: Layer[];
  nodeDepths: Map<Node, number>;
}

export function nodeOf(tensor: SymbolicTensor): Node {
  return tensor.sourceLayer.inboundNodes[tensor.nodeIndex]!;
}

/** Inputs come from InputLayers, each listed once. */
export function checkInputs(inputs: SymbolicTensor[], owner: string): void {
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
}

/**
 * The graph between `inputs` and `outputs` in Keras order, refusing cycles, duplicate layer
 * names, outputs that need an undeclared input, and inputs no output uses.
 */
export function orderGraph(inputs: SymbolicTensor[], outputs: SymbolicTensor[], owner: string): GraphOrder {
  const { postOrder, layerIndices } = visitFromOutputs(outputs, owner);
  const order = byDepth(postOrder, layerIndices);
  checkUniqueNames(order.layers, owner);
  checkConnected({ inputs, outputs, ...order }, owner);
  return order;
}

/** Nodes in post-order from the outputs, and each layer's discovery index. */
function visitFromOutputs(
  outputs: SymbolicTensor[],
  owner: string,
): { postOrder: Node[]; layerIndices: Map<Layer, number> } {
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
  return { postOrder: nodesInDecreasingDepth, layerIndices };
}

function byDepth(nodesInDecreasingDepth: Node[], layerIndices: Map<Layer, number>): GraphOrder {
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
  const byDepthThenIndex = (a: [number, number], b: [number, number]) => b[0] - a[0] || a[1] - b[1];
  const nodes = [...nodeDepths.keys()].sort((a, b) =>
    byDepthThenIndex(
      [nodeDepths.get(a)!, layerIndices.get(a.outboundLayer)!],
      [nodeDepths.get(b)!, layerIndices.get(b.outboundLayer)!],
    ),
  );
  const layers = [...layerDepths.keys()].sort((a, b) =>
    byDepthThenIndex([layerDepths.get(a)!, layerIndices.get(a)!], [layerDepths.get(b)!, layerIndices.get(b)!]),
  );
  return { nodes, layers, nodeDepths };
}

/** Saved weights and serialized connections refer to layers by name. */
function checkUniqueNames(layers: Layer[], owner: string): void {
  const byName = new Map<string, number>();
  for (const layer of layers) byName.set(layer.name, (byName.get(layer.name) ?? 0) + 1);
  for (const [name, count] of byName) {
    if (count > 1)
      throw new ValueError(
        `${owner}: the layer name ${JSON.stringify(name)} is used by ${count} layers; layer names must be unique within a model.`,
      );
  }
}

/** Every source of the graph must be one of the declared inputs, and every input must be used. */
function checkConnected(
  graph: GraphOrder & { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] },
  owner: string,
): void {
  const { inputs, outputs, nodes, nodeDepths } = graph;
  const declared = new Set(inputs.map((t) => t.id));
  const computable = new Set<number>(declared);
  for (const node of nodes) {
    if (node.inputTensors.length === 0) {
      if (!declared.has(node.outputTensor.id)) {
        const users = nodes
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
