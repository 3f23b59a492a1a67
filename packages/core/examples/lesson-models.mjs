// The lesson's models (see /work/shared/lesson.md), as plain builders: each call returns a fresh,
// untrained model. Layer names follow Keras's per-type counters (dense_1, dense_2, ...); call
// resetNames() first to start them again. Pass `seed` for reproducible initial weights.
import { add, concatenate, initializers, input, layers, model, sequential } from '@fnn/core';

/** Dense kernels are glorot-uniform as in Keras; a seed makes each kernel reproducible. */
function denseArgs(seed, index) {
  return seed === undefined ? {} : { kernelInitializer: initializers.glorotUniform({ seed: seed + index }) };
}

/** Part 1 "wide": Dense 250 relu → Dense 10 softmax on 784 inputs. 198,760 params. */
export function wide({ seed } = {}) {
  return sequential([
    layers.dense({ units: 250, inputDim: 784, activation: 'relu', ...denseArgs(seed, 0) }),
    layers.dense({ units: 10, activation: 'softmax', ...denseArgs(seed, 1) }),
  ]);
}

/** Part 1 "deep": 5 × Dense 50 relu, optionally each followed by Dropout. 49,960 params. */
export function deep({ seed, dropout } = {}) {
  const stack = [];
  for (let i = 0; i < 5; i++) {
    stack.push(
      layers.dense({ units: 50, activation: 'relu', ...(i === 0 ? { inputDim: 784 } : {}), ...denseArgs(seed, i) }),
    );
    if (dropout !== undefined) stack.push(layers.dropout({ rate: dropout }));
  }
  stack.push(layers.dense({ units: 10, activation: 'softmax', ...denseArgs(seed, 5) }));
  return sequential(stack);
}

/** Part 1 "deep-dropout" (and "deep-dropout-50", trained longer): deep with Dropout 0.2. */
export function deepDropout({ seed } = {}) {
  return deep({ seed, dropout: 0.2 });
}

const WIDE_DEEP_UNITS = [500, 250, 250, 250, 250];

/** Part 1 "wide-deep": Dense 500, 4 × Dense 250, each relu + Dropout 0.2. 708,510 params. */
export function wideDeep({ seed } = {}) {
  const stack = [];
  WIDE_DEEP_UNITS.forEach((units, i) => {
    stack.push(
      layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputDim: 784 } : {}), ...denseArgs(seed, i) }),
    );
    stack.push(layers.dropout({ rate: 0.2 }));
  });
  stack.push(layers.dense({ units: 10, activation: 'softmax', ...denseArgs(seed, 5) }));
  return sequential(stack);
}

/**
 * Part 1 "wide-deep-bn": each block Dense → BatchNormalization → relu → Dropout 0.2; output
 * Dense 10 → BatchNormalization → softmax. 714,550 params (3,020 non-trainable).
 */
export function wideDeepBn({ seed } = {}) {
  const stack = [];
  WIDE_DEEP_UNITS.forEach((units, i) => {
    stack.push(layers.dense({ units, ...(i === 0 ? { inputDim: 784 } : {}), ...denseArgs(seed, i) }));
    stack.push(layers.batchNormalization(), layers.activation({ activation: 'relu' }), layers.dropout({ rate: 0.2 }));
  });
  stack.push(layers.dense({ units: 10, ...denseArgs(seed, 5) }));
  stack.push(layers.batchNormalization(), layers.activation({ activation: 'softmax' }));
  return sequential(stack);
}

/** Part 2: "wide" with the functional API. 198,760 params. */
export function wideFunctional({ seed } = {}) {
  const visible = input({ shape: [784] });
  const hidden = layers.dense({ units: 250, activation: 'relu', ...denseArgs(seed, 0) }).apply(visible);
  const output = layers.dense({ units: 10, activation: 'softmax', ...denseArgs(seed, 1) }).apply(hidden);
  return model({ inputs: visible, outputs: output });
}

/** Part 2: the same model with the activation as its own layer. 198,760 params. */
export function wideFunctionalActivation({ seed } = {}) {
  const visible = input({ shape: [784] });
  let hidden = layers.dense({ units: 250, ...denseArgs(seed, 0) }).apply(visible);
  hidden = layers.activation({ activation: 'relu' }).apply(hidden);
  const output = layers.dense({ units: 10, activation: 'softmax', ...denseArgs(seed, 1) }).apply(hidden);
  return model({ inputs: visible, outputs: output });
}

/** Exercise 1: 10 inputs, Dense 10, 20, 10 relu, Dense 1 sigmoid. 551 params. */
export function exercise1({ seed } = {}) {
  const inp = input({ shape: [10] });
  const h1 = layers.dense({ units: 10, activation: 'relu', ...denseArgs(seed, 0) }).apply(inp);
  const h2 = layers.dense({ units: 20, activation: 'relu', ...denseArgs(seed, 1) }).apply(h1);
  const h3 = layers.dense({ units: 10, activation: 'relu', ...denseArgs(seed, 2) }).apply(h2);
  const out = layers.dense({ units: 1, activation: 'sigmoid', ...denseArgs(seed, 3) }).apply(h3);
  return model({ inputs: inp, outputs: out });
}

/**
 * The two-input churn model: programmes (10) → Dense 10, 15, 10; demographics (8) → Dense 8, 8;
 * concatenated → Dense 10, 10 relu → Dense 1 sigmoid. 890 params. Inputs: [programmes, demographics].
 */
export function churn({ seed } = {}) {
  const in1 = input({ shape: [10] });
  const h11 = layers.dense({ units: 10, activation: 'relu', ...denseArgs(seed, 0) }).apply(in1);
  const h12 = layers.dense({ units: 15, activation: 'relu', ...denseArgs(seed, 1) }).apply(h11);
  const out1 = layers.dense({ units: 10, activation: 'relu', ...denseArgs(seed, 2) }).apply(h12);

  const in2 = input({ shape: [8] });
  const h21 = layers.dense({ units: 8, activation: 'relu', ...denseArgs(seed, 3) }).apply(in2);
  const out2 = layers.dense({ units: 8, activation: 'relu', ...denseArgs(seed, 4) }).apply(h21);

  const merge = concatenate([out1, out2]);
  const hm1 = layers.dense({ units: 10, activation: 'relu', ...denseArgs(seed, 5) }).apply(merge);
  const hm2 = layers.dense({ units: 10, activation: 'relu', ...denseArgs(seed, 6) }).apply(hm1);
  const output = layers.dense({ units: 1, activation: 'sigmoid', ...denseArgs(seed, 7) }).apply(hm2);
  return model({ inputs: [in1, in2], outputs: output });
}

/**
 * Exercise 2: three branches Input → Dense 20 → Dense 10 (relu), added, then 3 × Dense 10 relu
 * → Dense 5 sigmoid. The lesson's solution uses inputs of 20: 2,275 params (1,675 with 10).
 */
export function exercise2({ seed, inputSize = 20 } = {}) {
  const inputs = [];
  const branches = [];
  for (let b = 0; b < 3; b++) {
    const inp = input({ shape: [inputSize] });
    const h = layers.dense({ units: 20, activation: 'relu', ...denseArgs(seed, 2 * b) }).apply(inp);
    branches.push(layers.dense({ units: 10, activation: 'relu', ...denseArgs(seed, 2 * b + 1) }).apply(h));
    inputs.push(inp);
  }
  let hidden = add(branches);
  for (let i = 0; i < 3; i++)
    hidden = layers.dense({ units: 10, activation: 'relu', ...denseArgs(seed, 6 + i) }).apply(hidden);
  const output = layers.dense({ units: 5, activation: 'sigmoid', ...denseArgs(seed, 9) }).apply(hidden);
  return model({ inputs, outputs: output });
}

/** Every builder by the id the lesson (and the sweep) uses. */
export const lessonModels = {
  wide,
  deep,
  'deep-dropout': deepDropout,
  'deep-dropout-50': deepDropout,
  'wide-deep': wideDeep,
  'wide-deep-bn': wideDeepBn,
  'wide-functional': wideFunctional,
  'wide-functional-activation': wideFunctionalActivation,
  exercise1,
  churn,
  exercise2,
};
