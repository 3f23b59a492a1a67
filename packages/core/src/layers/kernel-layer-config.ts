import type { Activation } from '../activations.js';
import { serializeInitializer, type Initializer } from '../initializers/index.js';

/** The config fields Dense and Conv2D share, as tfjs-layers writes them (no regularizers or constraints). */
export function kernelLayerConfig(layer: {
  activation: Activation;
  useBias: boolean;
  kernelInitializer: Initializer;
  biasInitializer: Initializer;
}): Record<string, unknown> {
  return {
    activation: layer.activation.name,
    useBias: layer.useBias,
    kernelInitializer: serializeInitializer(layer.kernelInitializer),
    biasInitializer: serializeInitializer(layer.biasInitializer),
    kernelRegularizer: null,
    biasRegularizer: null,
    activityRegularizer: null,
    kernelConstraint: null,
    biasConstraint: null,
  };
}
