import { ValueError, describeValue } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import type { SymbolicTensor } from '../engine/symbolic-tensor.js';
import { LayersModel } from './model.js';
import { Sequential } from './sequential.js';
import { getLayerClass } from './layer-registry.js';
import { toCamelConfig, type ModelTopology } from './serialization.js';
import { findJsonProblem, formatJsonPath } from '../io/json-tree.js';

type Json = Record<string, unknown>;

/**
 * Rebuilds a model from `model.toJSON()` (object or string), from a tfjs-layers topology
 * (Sequential or functional 'Model'/'Functional'), or from a whole model.json
 * (`{modelTopology}`). Layers keep their names, so the weights line up by name and by order.
 * `source` names the file in error messages.
 */
export function modelFromJSON(json: ModelTopology | Json | string, source = 'modelFromJSON'): LayersModel {
  let topology: unknown = json;
  if (typeof json === 'string') {
    try {
      topology = JSON.parse(json);
    } catch (error) {
      throw new ValueError(`${source}: the model topology is not valid JSON (${(error as Error).message}).`);
    }
  }
  if (isObject(topology) && isObject(topology.modelTopology)) topology = topology.modelTopology;
  // Keras-converted files wrap the model as {model_config, training_config}.
  if (isObject(topology) && isObject(topology.model_config)) topology = topology.model_config;
  if (!isObject(topology) || typeof topology.class_name !== 'string') {
    throw new ValueError(
      `${source}: expected a model topology like {class_name: 'Sequential' | 'Model', config: {...}}, but got ${describeValue(topology)}.`,
    );
  }
  assertSafeTopology(topology, source);
  const className = topology.class_name;
  const config = toCamelConfig(topology.config);
  if (className !== 'Sequential' && className !== 'Model' && className !== 'Functional') {
    throw new ValueError(
      `${source}: unknown model class ${describeValue(className)}; expected Sequential, Model or Functional.`,
    );
  }
  // Layers built before a failure hold weights: dispose them, so a refused file leaves no tensors.
  const created: Layer[] = [];
  try {
    return className === 'Sequential'
      ? sequentialFromConfig(config, source, created)
      : functionalFromConfig(config, source, created);
  } catch (error) {
    for (const layer of created) layer.dispose();
    if (error instanceof ValueError) throw error;
    throw new ValueError(`${source}: cannot rebuild the model (${String(error)}).`, { cause: error });
  }
}

/**
 * Refuses a topology that recursive code cannot walk safely (too deep) or that could reach object
 * prototypes (`__proto__`, `constructor`, `prototype` keys), naming the layer and the field.
 */
function assertSafeTopology(topology: Json, source: string): void {
  const found = findJsonProblem(topology);
  if (found === undefined) return;
  const { path, problem } = found;
  // config.layers[i] (or config[i] in old Sequential files) is a layer entry.
  const config = topology.config;
  const inLayers = path[1] === 'layers' && typeof path[2] === 'number';
  const index = inLayers ? path[2] : typeof path[1] === 'number' ? path[1] : undefined;
  const list = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : [];
  const entry = path[0] === 'config' && typeof index === 'number' ? list[index] : undefined;
  const name = isObject(entry) ? (ownString(entry.config, 'name') ?? ownString(entry, 'name')) : undefined;
  const layer = entry === undefined ? '' : `layer ${describeValue(name ?? `#${index}`)}: `;
  throw new ValueError(`${source}: ${layer}${formatJsonPath(path, 'modelTopology')} ${problem}.`);
}

function ownString(value: unknown, key: string): string | undefined {
  if (!isObject(value) || !Object.hasOwn(value, key)) return undefined;
  const found = value[key];
  return typeof found === 'string' ? found : undefined;
}

/**
 * Runs one step of rebuilding a layer; errors become ValueErrors that name the file and layer
 * (a hostile config can make layer code throw anything, e.g. a TypeError on a wrong field type).
 */
function inLayerContext<T>(where: string, source: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ValueError && message.startsWith(source)) throw error;
    const kind = error instanceof ValueError || !(error instanceof Error) ? '' : `${error.name}: `;
    // `where` already names the layer: drop the layer's own "Layer dense_1: " prefix.
    const detail = message.replace(/^Layer [^\s:]+: /, '');
    throw new ValueError(`${where}: ${kind}${detail}`, { cause: error });
  }
}

function sequentialFromConfig(config: unknown, source: string, created: Layer[]): Sequential {
  // Old tfjs-layers and Keras 2.1 files give the layer list directly.
  const layerList = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layerList) || layerList.length === 0) {
    throw new ValueError(
      `${source}: a Sequential config needs a non-empty layers list, but got ${describeValue(config)}.`,
    );
  }
  const name = isObject(config) && typeof config.name === 'string' ? config.name : undefined;
  const model = new Sequential(name === undefined ? {} : { name });
  for (const entry of layerList) {
    const layer = createLayer(entry, source, created);
    inLayerContext(`${source}: layer ${describeValue(layer.name)} (${layer.className})`, source, () =>
      model.add(layer),
    );
  }
  try {
    void model.graph;
  } catch (error) {
    throw new ValueError(`${source}: cannot rebuild Sequential ${model.name}: ${(error as Error).message}`);
  }
  return model;
}

interface NodeEntry {
  layer: Layer;
  inputs: unknown[];
}

function functionalFromConfig(config: unknown, source: string, created: Layer[]): LayersModel {
  if (!isObject(config) || !Array.isArray(config.layers)) {
    throw new ValueError(`${source}: a functional model config needs a layers list, but got ${describeValue(config)}.`);
  }
  const byName = new Map<string, Layer>();
  const queues: NodeEntry[][] = [];
  for (const entry of config.layers) {
    const layer = createLayer(entry, source, created);
    const name = isObject(entry) && typeof entry.name === 'string' ? entry.name : layer.name;
    if (byName.has(name))
      throw new ValueError(`${source}: two layers are named ${describeValue(name)}; layer names must be unique.`);
    byName.set(name, layer);
    const inbound = isObject(entry) ? (entry.inboundNodes ?? []) : [];
    if (!Array.isArray(inbound))
      throw new ValueError(
        `${source}: layer ${name}: expected inbound_nodes to be a list, but got ${describeValue(inbound)}.`,
      );
    queues.push(inbound.map((inputs) => ({ layer, inputs: Array.isArray(inputs) ? inputs : [inputs] })));
  }

  const tensorAt = (ref: unknown, what: string): SymbolicTensor | undefined => {
    if (!Array.isArray(ref) || typeof ref[0] !== 'string') {
      throw new ValueError(
        `${source}: ${what}: expected [layerName, nodeIndex, tensorIndex], but got ${describeValue(ref)}.`,
      );
    }
    const [layerName, nodeIndex = 0, tensorIndex = 0] = ref as [string, number?, number?];
    const layer = byName.get(layerName);
    if (layer === undefined)
      throw new ValueError(
        `${source}: ${what} refers to layer ${describeValue(layerName)}, which is not in the model; layers are ${[...byName.keys()].join(', ')}.`,
      );
    if (tensorIndex !== 0)
      throw new ValueError(
        `${source}: ${what} asks for output ${tensorIndex} of layer ${layerName}, but layers have one output.`,
      );
    return layer.inboundNodes[nodeIndex]?.outputTensor;
  };

  // As Keras does: call layers in the listed order, deferring a call until its inputs exist.
  let pending = queues.reduce((n, q) => n + q.length, 0);
  while (pending > 0) {
    let progressed = false;
    for (const queue of queues) {
      while (queue.length > 0) {
        const { layer, inputs } = queue[0]!;
        const tensors = inputs.map((ref) => tensorAt(ref, `layer ${layer.name}'s inbound node`));
        if (tensors.some((t) => t === undefined)) break;
        inLayerContext(`${source}: layer ${describeValue(layer.name)} (${layer.className})`, source, () =>
          layer.apply(tensors as SymbolicTensor[]),
        );
        queue.shift();
        pending--;
        progressed = true;
      }
    }
    if (!progressed) {
      const stuck = queues.find((q) => q.length > 0)![0]!;
      throw new ValueError(
        `${source}: layer ${stuck.layer.name} is called on ${describeValue(stuck.inputs)}, but no layer produces that node.`,
      );
    }
  }

  const endpoints = (refs: unknown, what: string): SymbolicTensor[] => {
    if (!Array.isArray(refs) || refs.length === 0)
      throw new ValueError(`${source}: expected ${what} to be a non-empty list, but got ${describeValue(refs)}.`);
    return refs.map((ref) => {
      const tensor = tensorAt(ref, what);
      if (tensor === undefined)
        throw new ValueError(
          `${source}: ${what} entry ${describeValue(ref)} refers to a call that the layers never make.`,
        );
      return tensor;
    });
  };
  const inputs = endpoints(config.inputLayers, 'input_layers');
  const outputs = endpoints(config.outputLayers, 'output_layers');
  return new LayersModel({ inputs, outputs, ...(typeof config.name === 'string' ? { name: config.name } : {}) });
}

/** Creates one layer from `{className, config}` (camelCase), rejecting features we do not implement. */
function createLayer(entry: unknown, source: string, created: Layer[]): Layer {
  if (!isObject(entry) || !isObject(entry.config)) {
    throw new ValueError(
      `${source}: expected a layer entry like {class_name, config}, but got ${describeValue(entry)}.`,
    );
  }
  const where = `${source}: layer ${describeValue(entry.config.name ?? entry.name)}`;
  const cls = getLayerClass(entry.className, where);
  for (const [key, value] of Object.entries(entry.config)) {
    if (/(Regularizer|Constraint)$/.test(key) && value !== null && value !== undefined) {
      throw new ValueError(
        `${where} (${cls.className}): ${key} is not supported, but the file sets it to ${describeValue(value)}.`,
      );
    }
  }
  const layer = inLayerContext(`${where} (${cls.className})`, source, () => new cls(entry.config as never));
  created.push(layer);
  return layer;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
