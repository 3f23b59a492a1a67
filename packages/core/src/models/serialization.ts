import type { Node } from '../engine/node.js';
import type { SymbolicTensor } from '../engine/symbolic-tensor.js';
import type { ModelStructure } from './model-interface.js';

/** Written in every topology, as tfjs-layers 4.22 writes it, so tfjs accepts our files as its own. */
export const KERAS_VERSION = 'tfjs-layers 4.22.0';
export const BACKEND = 'tensor_flow.js';

/** A model's topology in tfjs-layers' JSON form (the `modelTopology` of a model.json). */
export interface ModelTopology {
  class_name: string;
  config: Record<string, unknown>;
  keras_version?: string;
  backend?: string;
}

/** Where a tensor comes from in serialized form: `[layerName, nodeIndex, tensorIndex]`. */
export type TensorRef = [string, number, number];

/**
 * `model.toJSON()`: Sequential as `{name, layers: [{class_name, config}]}`; any other graph as
 * `{name, layers: [{name, class_name, config, inbound_nodes}], input_layers, output_layers}`.
 * Keys are snake_case, exactly as tfjs-layers' `convertTsToPythonic` writes them.
 */
export function serializeModel(model: ModelStructure): ModelTopology {
  const config = model.className === 'Sequential' ? sequentialConfig(model) : functionalConfig(model);
  return {
    class_name: model.className,
    config: toPythonic(config) as Record<string, unknown>,
    keras_version: KERAS_VERSION,
    backend: BACKEND,
  };
}

function sequentialConfig(model: ModelStructure): Record<string, unknown> {
  const layers = model.layers.map((layer, i) => {
    const config = layer.getConfig();
    // Whatever way the input shape was given (inputLayer, build()), the first layer carries it,
    // so tfjs-layers and `modelFromJSON` can rebuild the model.
    if (i === 0 && config.batchInputShape === undefined) {
      config.batchInputShape = model.inputs[0]!.shape;
      config.dtype = 'float32';
    }
    return { className: layer.className, config };
  });
  return { name: model.name, layers };
}

function functionalConfig(model: ModelStructure): Record<string, unknown> {
  // A layer shared with other models keeps only the calls made in this graph, renumbered from 0.
  const inGraph = new Set(model.graph.nodes);
  const renumbered = new Map<Node, number>();
  for (const layer of model.layers) {
    layer.inboundNodes
      .filter((node) => inGraph.has(node))
      .forEach((node, i) => {
        renumbered.set(node, i);
      });
  }
  const ref = (t: SymbolicTensor): TensorRef => [
    t.sourceLayer.name,
    renumbered.get(t.sourceLayer.inboundNodes[t.nodeIndex]!) ?? 0,
    t.tensorIndex,
  ];
  const layers = model.layers.map((layer) => ({
    name: layer.name,
    className: layer.className,
    config: layer.getConfig(),
    inboundNodes: layer.inboundNodes
      .filter((node) => inGraph.has(node) && node.inputTensors.length > 0)
      .map((node) => node.inputTensors.map((t) => [...ref(t), {}])),
  }));
  return { name: model.name, layers, inputLayers: model.inputs.map(ref), outputLayers: model.outputs.map(ref) };
}

/** Layer and model names are kept as written; every other string and every key changes case. */
const VERBATIM_KEYS = new Set(['name', 'className', 'class_name']);
/** In these lists the first item of each entry is a layer name. */
const NAME_LIST_KEYS = new Set(['inboundNodes', 'inputLayers', 'outputLayers']);

/** tfjs-layers' `convertTsToPythonic`: camelCase config → snake_case JSON. */
export function toPythonic(value: unknown, key?: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return toSnakeCase(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    return value.map((item, i) =>
      i === 0 && typeof item === 'string' && key !== undefined && NAME_LIST_KEYS.has(key)
        ? item
        : toPythonic(item, key),
    );
  }
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    result[toSnakeCase(k)] = VERBATIM_KEYS.has(k) && typeof v === 'string' ? v : toPythonic(v, k);
  }
  return result;
}

/** tfjs-layers' `convertPythonicToTs`: snake_case JSON → camelCase config. */
export function toCamelConfig(value: unknown, key?: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return toCamelCase(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    return value.map((item, i) =>
      i === 0 && typeof item === 'string' && key !== undefined && NAME_LIST_KEYS.has(key)
        ? item
        : toCamelConfig(item, key),
    );
  }
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const camel = VERBATIM_KEYS.has(k) ? (k === 'class_name' ? 'className' : k) : toCamelCase(k);
    result[camel] = VERBATIM_KEYS.has(k) && typeof v === 'string' ? v : toCamelConfig(v, camel);
  }
  return result;
}

/** tfjs-layers' `toSnakeCase`: `useBias` → `use_bias`, `fanAvg` → `fan_avg`. */
export function toSnakeCase(name: string): string {
  const snake = name
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return snake.startsWith('_') ? `private${snake}` : snake;
}

/** tfjs-layers' `toCamelCase`: `use_bias` → `useBias`. */
export function toCamelCase(name: string): string {
  if (name.length <= 1 || !name.includes('_')) return name;
  return name.replace(/[_]+(\w|$)/g, (_, c: string) => c.toUpperCase());
}
