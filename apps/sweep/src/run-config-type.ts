// The shape of one run, apart from the code that checks and describes it: schedule.ts needs the
// type and run-config.ts needs schedule.ts's parameter count, so the type lives on its own.
import type { ConvLayer } from './conv-net.js';

/** Hidden-layer activations a run may use (the output is always softmax). */
export const HIDDEN_ACTIVATIONS = ['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'softplus', 'linear'] as const;
export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const APIS = ['sequential', 'functional'] as const;
export type ModelApi = (typeof APIS)[number];

/**
 * One training run as plain JSON: everything needed to build, compile and fit a model, so a
 * run can be written to disk, resumed, or sent to another process or machine.
 */
export interface RunConfig {
  /** Unique within a sweep; names the files under `runs/` and `checkpoints/`. */
  id: string;
  /** The configuration this run repeats (equal to `id` unless `--repeats` > 1). */
  configId: string;
  /** Units of each hidden Dense layer, input side first. */
  hidden: number[];
  /** Dropout rate after each hidden block; 0 means no Dropout layer. */
  dropout: number;
  /** Dense → BatchNormalization → Activation in every block, and before the output softmax. */
  batchNorm: boolean;
  activation: HiddenActivation;
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  epochs: number;
  /** Seeds the initial weights, the shuffling and the dropout masks. */
  seed: number;
  /** Build with `sequential([...])` or with `input()` + `layer.apply()` + `model({inputs, outputs})`. */
  api: ModelApi;
  /**
   * Conv2D layers `[filters, kernelSize]` before the dense head, on the input seen as a square
   * image (784 → 28×28×1), each followed by max pooling, then Flatten [→ Dropout]. Absent for a dense net.
   */
  conv?: ConvLayer[];
  /** Max-pooling window and stride after each conv layer (1: none); given with `conv`. */
  pool?: number;
}
