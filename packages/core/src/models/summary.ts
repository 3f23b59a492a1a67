import { ValueError, describeValue } from '../errors.js';
import { formatShape } from '../shape.js';
import type { Node } from '../engine/node.js';
import type { Layer } from '../layers/layer.js';
import type { LayerWeight } from '../layers/layer-weight.js';
import type { ModelStructure } from './model-interface.js';

/**
 * Keras 2's `print_summary` (keras/utils/layer_utils.py, 2.1–2.2), character for character:
 * a chain prints 65 columns at [.45, .85, 1]; any other graph prints 98 columns at
 * [.33, .55, .67, 1] with a `Connected to` column, one extra row per further inbound tensor.
 * Every line goes to `printFn`; the lines joined by newlines are returned.
 */
export function printSummary(
  model: ModelStructure,
  lineLength?: number,
  positions?: number[],
  printFn: (line: string) => void = console.log,
): string {
  const lines: string[] = [];
  const print = (line: string) => {
    lines.push(line);
    printFn(line);
  };
  const modelNodes = new Set(model.graph.nodes);
  const sequentialLike = isSequentialLike(model);
  const width = lineLength ?? (sequentialLike ? 65 : 98);
  if (!Number.isInteger(width) || width <= 0) {
    throw new ValueError(
      `Model ${model.name}: summary() expected lineLength to be a positive integer, but got ${describeValue(lineLength)}.`,
    );
  }
  const relative = positions ?? (sequentialLike ? [0.45, 0.85, 1] : [0.33, 0.55, 0.67, 1]);
  const columns = sequentialLike
    ? ['Layer (type)', 'Output Shape', 'Param #']
    : ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
  if (relative.length !== columns.length) {
    throw new ValueError(
      `Model ${model.name}: summary() expected ${columns.length} positions (one per column: ${columns.join(', ')}), but got ${describeValue(relative)}.`,
    );
  }
  // Positions up to 1 are fractions of the line; Python's int() truncates.
  const stops = relative[relative.length - 1]! <= 1 ? relative.map((p) => Math.trunc(width * p)) : relative;

  const printRow = (fields: string[]) => print(formatRow(fields, stops));
  print('_'.repeat(width));
  printRow(columns);
  print('='.repeat(width));

  const layers = model.layers;
  layers.forEach((layer, i) => {
    const head = [`${layer.name} (${layer.className})`, outputShapeOf(layer), String(layer.countParams())];
    if (sequentialLike) {
      printRow(head);
    } else {
      const connections = layer.inboundNodes
        .filter((node) => modelNodes.has(node))
        .flatMap((node) => node.inputTensors.map((t) => `${t.sourceLayer.name}[${t.nodeIndex}][${t.tensorIndex}]`));
      printRow([...head, connections[0] ?? '']);
      for (const connection of connections.slice(1)) printRow(['', '', '', connection]);
    }
    print((i === layers.length - 1 ? '=' : '_').repeat(width));
  });

  const trainable = countWeights(model.trainableWeights);
  const nonTrainable = countWeights(model.nonTrainableWeights);
  print(`Total params: ${withThousands(trainable + nonTrainable)}`);
  print(`Trainable params: ${withThousands(trainable)}`);
  print(`Non-trainable params: ${withThousands(nonTrainable)}`);
  print('_'.repeat(width));
  return lines.join('\n');
}

/**
 * Keras's row layout: each field is cut at its column's end and padded to it, and the last
 * character before a new field is always a space (`line = line[:-1] + ' '`).
 */
export function formatRow(fields: string[], stops: number[]): string {
  let line = '';
  fields.forEach((field, i) => {
    if (i > 0) line = `${line.slice(0, -1)} `;
    line = (line + field).slice(0, stops[i]);
    line += ' '.repeat(Math.max(0, stops[i]! - line.length));
  });
  return line;
}

/**
 * Keras prints a graph as a chain when it is a Sequential, or when every depth holds one node,
 * no node has several inbound layers and no layer is called twice.
 */
export function isSequentialLike(model: ModelStructure): boolean {
  if (model.className === 'Sequential') return true;
  const byDepth = new Map<number, Node[]>();
  for (const [node, depth] of model.graph.nodeDepths) byDepth.set(depth, [...(byDepth.get(depth) ?? []), node]);
  for (const nodes of byDepth.values()) {
    if (nodes.length > 1 || (nodes.length === 1 && nodes[0]!.inputTensors.length > 1)) return false;
  }
  const modelNodes = new Set(model.graph.nodes);
  return model.layers.every((layer) => layer.inboundNodes.filter((node) => modelNodes.has(node)).length <= 1);
}

/** Keras's `layer.output_shape`: the shape all its calls share, else `multiple`. */
function outputShapeOf(layer: Layer): string {
  const shapes = new Set(layer.inboundNodes.map((node) => formatShape(node.outputTensor.shape)));
  return shapes.size === 1 ? [...shapes][0]! : 'multiple';
}

function countWeights(weights: LayerWeight[]): number {
  return [...new Set(weights)].reduce((n, w) => n + w.size, 0);
}

/** Python's `'{:,}'.format(n)`. */
export function withThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
