// @fnn/data: the whole public surface.
export { DataError } from './errors.js';
export { readIdx, type IdxArray, type IdxData, type IdxDtype, type ReadIdxOptions } from './idx.js';
export { loadMnist, defaultMnistDir, MNIST_FILES, type LoadMnistOptions, type Mnist } from './mnist.js';
export {
  Dataset,
  type DatasetTransferable,
  type FeatureStorage,
  type FromArraysArgs,
  type Tensor2DFactory,
} from './dataset.js';
export { permutation } from './shuffle.js';
export { mulberry32, epochSeed as mixSeed } from '@fnn/common';
export { shard, shardRanges, type ShardRange, type Subarrayable } from './shard.js';
export { oneHot } from './one-hot.js';
export {
  churnDataset,
  ChurnData,
  PROGRAMME_CATEGORIES,
  DEMOGRAPHIC_FEATURES,
  type ChurnOptions,
} from './churn.js';
