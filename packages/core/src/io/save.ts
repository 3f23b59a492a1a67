import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ModelStructure } from '../models/model-interface.js';
import { filePathOf } from './file-url.js';
import { WEIGHTS_FILE, modelArtifacts } from './model-artifacts.js';

/**
 * `model.save('file://dir')`: writes `dir/model.json` and `dir/weights.bin` in tfjs-layers'
 * format (a path ending in `.json` names the model file itself). Each file is written to a
 * temporary name and renamed, so a reader never sees a half-written file.
 */
export async function saveModel(
  model: ModelStructure,
  url: string,
): Promise<{ modelJsonPath: string; weightsPath: string }> {
  const path = filePathOf(url, `Model ${model.name}: save`);
  const modelJsonPath = path.endsWith('.json') ? path : join(path, 'model.json');
  const dir = dirname(modelJsonPath);
  const weightsPath = join(dir, WEIGHTS_FILE);
  const { modelJson, weightData } = modelArtifacts(model);
  await mkdir(dir, { recursive: true });
  // Weights first: a model.json never points at weights older than itself.
  await writeAtomically(weightsPath, weightData);
  await writeAtomically(modelJsonPath, JSON.stringify(modelJson));
  return { modelJsonPath, weightsPath };
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
