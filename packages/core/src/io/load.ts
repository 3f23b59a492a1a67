import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ValueError, describeValue } from '../errors.js';
import type { LayersModel } from '../models/model.js';
import { modelFromJSON } from '../models/deserialization.js';
import { filePathOf } from './file-url.js';
import { assignWeights, readWeightGroup, type WeightSpec } from './model-artifacts.js';

/**
 * Rebuilds a model from in-memory artifacts, as tfjs's `io.fromMemory` takes them: the topology,
 * the weight specs and the weights' bytes (little-endian float32, in spec order).
 */
export function modelFromArtifacts(artifacts: {
  modelTopology: object;
  weightSpecs: WeightSpec[];
  weightData: ArrayBuffer | Uint8Array;
}): LayersModel {
  const model = modelFromJSON(artifacts.modelTopology as Record<string, unknown>, 'modelFromArtifacts');
  try {
    const data = artifacts.weightData;
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    assignWeights(
      model,
      readWeightGroup(artifacts.weightSpecs, bytes, 'modelFromArtifacts: weightData'),
      'modelFromArtifacts',
    );
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/**
 * `loadModel('file://dir/model.json')` (or the directory): rebuilds a model saved by
 * `model.save` or by tfjs-layers and loads its weights. Errors name the file and what is wrong.
 */
export async function loadModel(url: string): Promise<LayersModel> {
  let path = filePathOf(url, 'loadModel');
  if (!path.endsWith('.json') && (await isDirectory(path))) path = join(path, 'model.json');
  const text = await readText(path, 'model file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValueError(`loadModel: model file ${path} is not valid JSON (${(error as Error).message}).`);
  }
  const modelJson = parsed as { modelTopology?: unknown; weightsManifest?: unknown };
  if (
    typeof modelJson !== 'object' ||
    modelJson === null ||
    typeof modelJson.modelTopology !== 'object' ||
    modelJson.modelTopology === null
  ) {
    throw new ValueError(
      `loadModel: model file ${path} has no modelTopology object; expected a tfjs-layers model.json with modelTopology and weightsManifest.`,
    );
  }
  const manifest = modelJson.weightsManifest ?? [];
  if (
    !Array.isArray(manifest) ||
    !manifest.every((g) => typeof g === 'object' && g !== null && Array.isArray(g.paths) && Array.isArray(g.weights))
  ) {
    throw new ValueError(
      `loadModel: model file ${path}: expected weightsManifest to be a list of {paths, weights}, but got ${describeValue(manifest)}.`,
    );
  }
  const model = modelFromJSON(modelJson.modelTopology as Record<string, unknown>, `loadModel: model file ${path}`);
  try {
    const found = new Map<string, { spec: WeightSpec; values: Float32Array }>();
    for (const group of manifest as { paths: unknown[]; weights: WeightSpec[] }[]) {
      const files = group.paths.map((p) => {
        if (typeof p !== 'string')
          throw new ValueError(
            `loadModel: model file ${path}: expected weightsManifest paths to be file names, but got ${describeValue(p)}.`,
          );
        return resolve(dirname(path), p);
      });
      const parts = await Promise.all(files.map((file) => readBytes(file, path)));
      const bytes = parts.length === 1 ? parts[0]! : concat(parts);
      const source = `loadModel: weights file${files.length > 1 ? 's' : ''} ${files.join(', ')} (listed in ${path})`;
      for (const [name, entry] of readWeightGroup(group.weights, bytes, source)) found.set(name, entry);
    }
    assignWeights(model, found, `loadModel: ${path}`);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw fileError(error, path, what);
  }
}

async function readBytes(path: string, modelJsonPath: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw fileError(error, path, 'weights file', ` (listed in ${modelJsonPath})`);
  }
}

function fileError(error: unknown, path: string, what: string, note = ''): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ValueError(`loadModel: ${what} ${path}${note} does not exist.`);
  return new ValueError(`loadModel: cannot read ${what} ${path}${note} (${(error as Error).message}).`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
