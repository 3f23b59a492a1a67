import { ValueError, describeValue } from '../errors.js';
import type { Layer } from '../layers/layer.js';
import { Activation } from '../layers/activation-layer.js';
import { Add } from '../layers/add.js';
import { BatchNormalization } from '../layers/batch-normalization.js';
import { Concatenate } from '../layers/concatenate.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import { InputLayer } from '../layers/input-layer.js';
import { MaxPooling2D } from '../layers/max-pooling2d.js';
import { Reshape } from '../layers/reshape.js';

/** A layer class as the registry needs it: its serialized name and a constructor taking its camelCase config. */
export interface LayerClass {
  className: string;
  new (config: never): Layer;
}

const registry = new Map<string, LayerClass>();

/** Makes a layer class loadable by `modelFromJSON` and `loadModel` under its `className`. */
export function registerLayer(cls: LayerClass): void {
  if (typeof cls?.className !== 'string' || cls.className === '') {
    throw new ValueError(
      `registerLayer: expected a layer class with a static className, but got ${describeValue(cls?.name ?? cls)}.`,
    );
  }
  registry.set(cls.className, cls);
}

export function knownLayerClassNames(): string[] {
  return [...registry.keys()].sort();
}

/** The class registered under `className`; unknown names list the known ones. */
export function getLayerClass(className: unknown, where: string): LayerClass {
  const cls = typeof className === 'string' ? registry.get(className) : undefined;
  if (cls === undefined) {
    throw new ValueError(
      `${where}: unknown layer class ${describeValue(className)}; known classes are ${knownLayerClassNames().join(', ')}.`,
    );
  }
  return cls;
}

for (const cls of [
  Activation,
  Add,
  BatchNormalization,
  Concatenate,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  InputLayer,
  MaxPooling2D,
  Reshape,
])
  registerLayer(cls);
