export { describeValue } from '@fnn/common';

/** A value passed by the user is not what was expected; the message names both. */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** A model or layer was used before it was ready (e.g. `fit` before `compile`). */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}
