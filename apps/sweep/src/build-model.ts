import {
  initializers,
  input,
  layers,
  mixSeeds,
  model,
  optimizers,
  resetNames,
  sequential,
  type Initializer,
  type Layer,
  type LayersModel,
  type SymbolicTensor,
} from '@fnn/core';
import { DEFAULT_POOL, convBlocks, hasConv, imageSide } from './conv-net.js';
import type { RunConfig } from './run-config.js';

export interface ModelShape {
  /** Features per sample (784 for MNIST). */
  inputSize: number;
  /** Classes of the softmax output (10 for MNIST). */
  classes: number;
}

export const MNIST_SHAPE: ModelShape = { inputSize: 784, classes: 10 };

/**
 * The layers of a run's model, input side first, exactly as the lesson stacks them: each hidden
 * block is Dense(activation) [→ Dropout], or with batch norm Dense → BatchNormalization →
 * Activation [→ Dropout]; the output is Dense 10 softmax, or Dense 10 → BatchNormalization →
 * Activation softmax. A conv run starts with its conv layers (convLayers). Kernels are
 * glorot-uniform seeded from the run's seed, in layer order; biases zero.
 */
function blockLayers(config: RunConfig, shape: ModelShape): Layer[] {
  let next = 0;
  const kernelInitializer = () => initializers.glorotUniform({ seed: mixSeeds(config.seed, next++) });
  const inputShape = (stack: Layer[]) =>
    stack.length === 0 && config.api === 'sequential' ? { inputShape: [shape.inputSize] } : {};
  const stack = convLayers(config, shape, { kernelInitializer, inputShape: inputShape([]) });
  const dense = (units: number, activation: 'softmax' | RunConfig['activation']) => {
    const first = inputShape(stack);
    if (config.batchNorm) {
      stack.push(layers.dense({ units, kernelInitializer: kernelInitializer(), ...first }));
      stack.push(layers.batchNormalization());
      stack.push(layers.activation({ activation }));
    } else {
      stack.push(layers.dense({ units, activation, kernelInitializer: kernelInitializer(), ...first }));
    }
  };
  for (const units of config.hidden) {
    dense(units, config.activation);
    if (config.dropout > 0) stack.push(layers.dropout({ rate: config.dropout }));
  }
  dense(shape.classes, 'softmax');
  return stack;
}

/**
 * A conv run's first layers, as the Keras MNIST convnet stacks them: the flat input reshaped to
 * a square single-channel image (784 → 28×28×1, a view: the sweep's data stays one row per
 * sample for every run), then per `[filters, kernelSize]` a Conv2D ('valid', the run's activation)
 * and `pool` × `pool` max pooling, then Flatten [→ Dropout]. None for a dense run.
 */
function convLayers(
  config: RunConfig,
  shape: ModelShape,
  seeded: { kernelInitializer: () => Initializer; inputShape: { inputShape?: number[] } },
): Layer[] {
  // Checked before any layer exists: the data must be square images the layers do not shrink to nothing.
  convBlocks(config, shape.inputSize);
  if (!hasConv(config)) return [];
  const side = imageSide(shape.inputSize);
  const pool = config.pool ?? DEFAULT_POOL;
  const stack: Layer[] = [layers.reshape({ targetShape: [side, side, 1], ...seeded.inputShape })];
  for (const [filters, kernelSize] of config.conv) {
    const kernelInitializer = seeded.kernelInitializer();
    stack.push(layers.conv2d({ filters, kernelSize, activation: config.activation, kernelInitializer }));
    if (pool > 1) stack.push(layers.maxPooling2d({ poolSize: pool }));
  }
  stack.push(layers.flatten());
  if (config.dropout > 0) stack.push(layers.dropout({ rate: config.dropout }));
  return stack;
}

/**
 * Builds a run's model with the Sequential or the functional API (same layers, same weights).
 * Layer names restart for every model (`dense_1`, ...), as in a fresh Keras session, so a
 * model's names, summary and checkpoint do not depend on what else the sweep built before it.
 */
export function buildModel(config: RunConfig, shape: ModelShape = MNIST_SHAPE): LayersModel {
  resetNames();
  const stack = blockLayers(config, shape);
  if (config.api === 'sequential') return sequential(stack);
  const visible = input({ shape: [shape.inputSize] });
  let x: SymbolicTensor = visible;
  for (const layer of stack) x = layer.apply(x) as SymbolicTensor;
  return model({ inputs: visible, outputs: x });
}

/** Builds and compiles: the run's optimizer and learning rate, categorical cross-entropy, accuracy. */
export function buildCompiledModel(config: RunConfig, shape: ModelShape = MNIST_SHAPE): LayersModel {
  const m = buildModel(config, shape);
  m.compile({
    optimizer: optimizers[config.optimizer]({ learningRate: config.learningRate }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return m;
}
