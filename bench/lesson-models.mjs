// The lesson's `wide` and `wide-deep` models and MNIST-shaped synthetic data, shared by the
// benches so that every table measures the same models.

/** Hidden layers as [units, dropout rate]; the output is Dense 10 softmax. */
export const MODELS = {
  wide: [[250, 0]],
  'wide-deep': [
    [500, 0.2],
    [250, 0.2],
    [250, 0.2],
    [250, 0.2],
    [250, 0.2],
  ],
};

/** Builds and compiles one of MODELS with @fnn/core (`fnn` is the imported package). */
export function fnnModel(fnn, hidden) {
  const layers = [];
  hidden.forEach(([units, rate], i) => {
    layers.push(fnn.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
    if (rate > 0) layers.push(fnn.layers.dropout({ rate }));
  });
  layers.push(fnn.layers.dense({ units: 10, activation: 'softmax' }));
  const model = fnn.sequential(layers);
  model.compile({
    optimizer: fnn.optimizers.adam({ learningRate: 0.001 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

/** MNIST-shaped synthetic data: pixels in [0, 1), one-hot labels of a random linear rule. */
export function syntheticData(tf, samples) {
  return tf.tidy(() => {
    const x = tf.randomUniform([samples, 784], 0, 1, 'float32', 7);
    const labels = tf.argMax(tf.matMul(x, tf.randomNormal([784, 10], 0, 1, 'float32', 8)), 1);
    return { x, y: tf.cast(tf.oneHot(labels, 10), 'float32') };
  });
}
