// @fnn/common: the whole public surface.
export { describeValue } from './describe-value.js';
export { isIntegerInRange } from './integer-range.js';
export { mulberry32, mixSeeds, epochSeed } from './seeds.js';
export { seededPermutation } from './permutation.js';
export {
  threadLimit,
  thisMachine,
  THREADS_PER_CORE,
  type Machine,
  type ThreadLimit,
} from './thread-limit.js';
