import {
  initializers,
  input,
  layers,
  mixSeeds,
  model,
  optimizers,
  resetNames,
  sequential,
  type Layer,
  type LayersModel,
  type SymbolicTensor,
} from '@fnn/core';
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
 * Activation softmax. Kernels are glorot-uniform seeded from the run's seed, biases zero.
 */
function blockLayers(config: RunConfig, shape: ModelShape): Layer[] {
  let next = 0;
  const kernelInitializer = () => initializers.glorotUniform({ seed: mixSeeds(config.seed, next++) });
  const stack: Layer[] = [];
  const dense = (units: number, activation: 'softmax' | RunConfig['activation'], first: boolean) => {
    const inputShape = first && config.api === 'sequential' ? { inputShape: [shape.inputSize] } : {};
    if (config.batchNorm) {
      stack.push(layers.dense({ units, kernelInitializer: kernelInitializer(), ...inputShape }));
      stack.push(layers.batchNormalization());
      stack.push(layers.activation({ activation }));
    } else {
      stack.push(layers.dense({ units, activation, kernelInitializer: kernelInitializer(), ...inputShape }));
    }
  };
  config.hidden.forEach((units, i) => {
    dense(units, config.activation, i === 0);
    if (config.dropout > 0) stack.push(layers.dropout({ rate: config.dropout }));
  });
  dense(shape.classes, 'softmax', false);
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
