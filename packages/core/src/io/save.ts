import { tf } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import type { LayersModel } from '../models/model.js';
import { FileSystemHandler, type FileSaveResult } from './file-system.js';
import { modelArtifacts } from './model-artifacts.js';

/**
 * `model.save(handlerOrUrl)`: a `file://` URL or a path goes to the file-system handler (model.json
 * and weights.bin in tfjs-layers' format, written atomically); any tfjs `IOHandler` with a `save`
 * method (`tf.io.withSaveHandler`, `tf.io.http`, a user's own) receives tfjs's `ModelArtifacts`.
 */
export async function saveModel(model: LayersModel, url: string): Promise<FileSaveResult>;
export async function saveModel(model: LayersModel, handler: tf.io.IOHandler): Promise<tf.io.SaveResult>;
export async function saveModel(
  model: LayersModel,
  handlerOrUrl: string | tf.io.IOHandler,
): Promise<FileSaveResult | tf.io.SaveResult>;
export async function saveModel(
  model: LayersModel,
  handlerOrUrl: string | tf.io.IOHandler,
): Promise<FileSaveResult | tf.io.SaveResult> {
  const owner = `Model ${model.name}: save`;
  const handler = typeof handlerOrUrl === 'string' ? new FileSystemHandler(handlerOrUrl, owner) : handlerOrUrl;
  if (typeof handler !== 'object' || handler === null || typeof handler.save !== 'function') {
    throw new ValueError(
      `${owner}: expected a file:// URL, a path or a tfjs IOHandler with a save method, but got ${describeValue(handlerOrUrl)}.`,
    );
  }
  const artifacts = modelArtifacts(model);
  return handler instanceof FileSystemHandler ? handler.saveAs(artifacts, owner) : handler.save(artifacts);
}
