import { mkdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { tf } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { filePathOf } from './file-url.js';
import { MODEL_JSON_FILE, WEIGHTS_FILE, type ModelArtifacts, type ModelJson } from './model-artifacts.js';
import { checkWeightSpecs } from './weight-data.js';
import { findDeepNesting, MAX_JSON_DEPTH } from './json-tree.js';
import { fileError, openRegularFile, readExactly, resolveInside, type OpenedFile } from './untrusted-files.js';

/** The largest model.json read (a topology of thousands of layers is a few MB). */
export const MAX_MODEL_JSON_BYTES = 32 * 1024 * 1024;

/** What saving to the file system returns: tfjs's SaveResult and the two files written. */
export interface FileSaveResult extends tf.io.SaveResult {
  modelJsonPath: string;
  weightsPath: string;
}

/**
 * A tfjs `IOHandler` for the local file system, like tfjs-node's `tf.io.fileSystem`:
 * `save` writes `model.json` and `weights.bin` into a folder (or `path` itself when it ends in
 * `.json`), each atomically; `load` reads a model.json (or `path/model.json` for a folder) and the
 * weight files its manifest lists. Model files are untrusted: weight paths must stay inside the
 * model's folder and name regular files, and every read is bounded by the sizes the manifest
 * declares, checked before anything is read. tfjs's own `save`/`loadLayersModel` accept it too.
 */
export class FileSystemHandler implements tf.io.IOHandler {
  /** The path as given (a `file://` URL is accepted too). */
  readonly path: string;

  constructor(path: string, owner = 'fileSystem') {
    this.path = resolve(filePathOf(path, owner));
  }

  async save(artifacts: tf.io.ModelArtifacts): Promise<FileSaveResult> {
    return this.saveAs(artifacts, 'fileSystem save');
  }

  async load(): Promise<ModelArtifacts> {
    return (await this.loadWithSource('fileSystem load')).artifacts;
  }

  /** `save` with `owner` starting the error messages. */
  async saveAs(artifacts: tf.io.ModelArtifacts, owner: string): Promise<FileSaveResult> {
    if (typeof artifacts !== 'object' || artifacts === null)
      throw new ValueError(`${owner}: expected model artifacts, but got ${describeValue(artifacts)}.`);
    if (artifacts.modelTopology instanceof ArrayBuffer || typeof artifacts.modelTopology !== 'object') {
      throw new ValueError(
        `${owner}: expected modelTopology to be a JSON object (a layers model), but got ${artifacts.modelTopology instanceof ArrayBuffer ? 'an ArrayBuffer (a graph model)' : describeValue(artifacts.modelTopology)}.`,
      );
    }
    const modelJsonPath = this.path.endsWith('.json') ? this.path : join(this.path, MODEL_JSON_FILE);
    const dir = dirname(modelJsonPath);
    const weightsPath = join(dir, WEIGHTS_FILE);
    const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : joinWeightData(artifacts.weightData);
    const modelJson: ModelJson = {
      modelTopology: artifacts.modelTopology as ModelJson['modelTopology'],
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy ?? '',
      convertedBy: artifacts.convertedBy ?? null,
      ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      ...(artifacts.signature ? { signature: artifacts.signature } : {}),
      ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      weightsManifest: [
        { paths: [WEIGHTS_FILE], weights: (artifacts.weightSpecs ?? []) as ModelJson['weightsManifest'][0]['weights'] },
      ],
    };
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new ValueError(`${owner}: cannot create the folder ${dir} (${(error as Error).message}).`, {
        cause: error,
      });
    }
    // Weights first: a model.json never points at weights older than itself.
    await writeAtomically(weightsPath, new Uint8Array(weightData), owner);
    await writeAtomically(modelJsonPath, JSON.stringify(modelJson), owner);
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts), modelJsonPath, weightsPath };
  }

  /**
   * `load`, also returning the prefix (`loadModel: model file …/model.json`) for errors found
   * later, when the model is built from the artifacts.
   */
  async loadWithSource(owner: string): Promise<{ artifacts: ModelArtifacts; source: string }> {
    let modelJsonPath = this.path;
    if (!modelJsonPath.endsWith('.json') && (await isDirectory(modelJsonPath)))
      modelJsonPath = join(modelJsonPath, MODEL_JSON_FILE);
    const source = `${owner}: model file ${modelJsonPath}`;
    const modelJson = await readModelJson(modelJsonPath, owner);
    const manifest = modelJson.weightsManifest ?? [];
    if (
      !Array.isArray(manifest) ||
      !manifest.every((g) => typeof g === 'object' && g !== null && Array.isArray(g.paths) && Array.isArray(g.weights))
    ) {
      throw new ValueError(
        `${source}: expected weightsManifest to be a list of {paths, weights}, but got ${describeValue(manifest)}.`,
      );
    }
    // Check every group (names, shapes, sizes) and open every file before reading any of them.
    const folder = await realFolder(dirname(modelJsonPath), owner);
    const groups: { total: number; files: { opened: OpenedFile; describe: string }[] }[] = [];
    const specs: unknown[] = [];
    try {
      for (const group of manifest as { paths: unknown[]; weights: unknown[] }[]) {
        const checked = checkWeightSpecs(group.weights, source, 'weightsManifest');
        specs.push(...checked.specs);
        const files: { opened: OpenedFile; describe: string }[] = [];
        groups.push({ total: checked.totalBytes, files });
        for (const name of group.paths) {
          if (typeof name !== 'string')
            throw new ValueError(
              `${source}: expected weightsManifest paths to be file names, but got ${describeValue(name)}.`,
            );
          const describe = `weights file ${resolve(dirname(modelJsonPath), name)} (listed in ${modelJsonPath})`;
          const real = await resolveInside(folder, name, describe, owner);
          files.push({ opened: await openRegularFile(real, describe, owner), describe });
        }
        const bytes = files.reduce((n, f) => n + f.opened.size, 0);
        if (bytes !== checked.totalBytes) {
          const what =
            files.length === 1
              ? files[0]!.describe
              : `weights files ${group.paths.join(', ')} (listed in ${modelJsonPath})`;
          throw new ValueError(
            `${owner}: ${what} hold${files.length === 1 ? 's' : ''} ${bytes} bytes, but the weightsManifest lists ${checked.described}: the file${files.length === 1 ? ' is' : 's are'} ${bytes < checked.totalBytes ? 'truncated' : 'longer than expected'} or do${files.length === 1 ? 'es' : ''} not belong to this model.json.`,
          );
        }
      }
      // Every size is now known and matches the manifest: allocate once, read each file exactly.
      const data = new Uint8Array(groups.reduce((n, g) => n + g.total, 0));
      let offset = 0;
      for (const group of groups) {
        for (const { opened, describe } of group.files) {
          await readExactly(opened, data.subarray(offset, offset + opened.size), describe, owner);
          offset += opened.size;
        }
      }
      const artifacts: ModelArtifacts = {
        modelTopology: modelJson.modelTopology as object,
        weightSpecs: specs as ModelArtifacts['weightSpecs'],
        weightData: data.buffer,
        ...(typeof modelJson.format === 'string' ? { format: modelJson.format } : {}),
        ...(typeof modelJson.generatedBy === 'string' ? { generatedBy: modelJson.generatedBy } : {}),
        ...(typeof modelJson.convertedBy === 'string' ? { convertedBy: modelJson.convertedBy } : {}),
        ...(modelJson.trainingConfig != null
          ? { trainingConfig: modelJson.trainingConfig as ModelArtifacts['trainingConfig'] }
          : {}),
        ...(modelJson.userDefinedMetadata != null
          ? { userDefinedMetadata: modelJson.userDefinedMetadata as ModelArtifacts['userDefinedMetadata'] }
          : {}),
      };
      return { artifacts, source };
    } finally {
      await Promise.all(groups.flatMap((g) => g.files.map((f) => f.opened.handle.close())));
    }
  }
}

/** `fileSystem('out/model')`: the file-system IOHandler, as tfjs-node's `tf.io.fileSystem`. */
export function fileSystem(path: string): FileSystemHandler {
  return new FileSystemHandler(path);
}

/** Reads and parses a model.json: a regular file of at most MAX_MODEL_JSON_BYTES holding a JSON object with a topology. */
async function readModelJson(path: string, owner: string): Promise<Record<string, unknown>> {
  const describe = `model file ${path}`;
  const file = await openRegularFile(path, describe, owner);
  let text: string;
  try {
    if (file.size > MAX_MODEL_JSON_BYTES) {
      throw new ValueError(
        `${owner}: ${describe} has ${file.size} bytes; a model.json may have at most ${MAX_MODEL_JSON_BYTES} (${MAX_MODEL_JSON_BYTES / 1024 / 1024} MiB).`,
      );
    }
    const bytes = new Uint8Array(file.size);
    await readExactly(file, bytes, describe, owner);
    text = new TextDecoder().decode(bytes);
  } finally {
    await file.handle.close();
  }
  const deep = findDeepNesting(text);
  if (deep !== undefined) {
    throw new ValueError(
      `${owner}: ${describe} nests deeper than ${MAX_JSON_DEPTH} levels (at character ${deep}); a model file may nest at most ${MAX_JSON_DEPTH}.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValueError(`${owner}: ${describe} is not valid JSON (${(error as Error).message}).`);
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    typeof (parsed as { modelTopology?: unknown }).modelTopology !== 'object' ||
    (parsed as { modelTopology?: unknown }).modelTopology === null
  ) {
    throw new ValueError(
      `${owner}: ${describe} has no modelTopology object; expected a tfjs-layers model.json with modelTopology and weightsManifest.`,
    );
  }
  return parsed as Record<string, unknown>;
}

async function realFolder(dir: string, owner: string): Promise<string> {
  try {
    return await realpath(dir);
  } catch (error) {
    throw fileError(error, `folder ${dir}`, owner);
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** tfjs's weight data (one ArrayBuffer, or a list of them since tfjs 4.21) as one buffer. */
export function joinWeightData(data: tf.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
}

async function writeAtomically(path: string, data: Uint8Array | string, owner: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new ValueError(`${owner}: cannot write ${path} (${(error as Error).message}).`, { cause: error });
  }
}
