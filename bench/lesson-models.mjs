// The lesson's `wide` and `wide-deep` models, the Keras MNIST convnet, and MNIST-shaped
// synthetic data, shared by the benches so that every table measures the same models.

/**
 * Dense models: hidden layers as [units, dropout rate]. `convnet`: the Keras "Simple MNIST
 * convnet" (34,826 params) as the sweep builds it (examples/convnet.json): the 784-value rows
 * reshaped to 28×28×1, Conv2D [filters, kernel size] relu each max-pooled pool × pool, Flatten,
 * Dropout. The output is always Dense 10 softmax.
 */
export const MODELS = {
  wide: [[250, 0]],
  'wide-deep': [
    [500, 0.2],
    [250, 0.2],
    [250, 0.2],
    [250, 0.2],
    [250, 0.2],
  ],
  convnet: {
    conv: [
      [32, 3],
      [64, 3],
    ],
    pool: 2,
    dropout: 0.5,
  },
};

/** Builds and compiles one of MODELS with @fnn/core (`fnn` is the imported package). */
export function fnnModel(fnn, spec) {
  const layers = Array.isArray(spec) ? denseLayers(fnn, spec) : convLayers(fnn, spec);
  layers.push(fnn.layers.dense({ units: 10, activation: 'softmax' }));
  const model = fnn.sequential(layers);
  model.compile({
    optimizer: fnn.optimizers.adam({ learningRate: 0.001 }),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

function denseLayers(fnn, hidden) {
  const layers = [];
  hidden.forEach(([units, rate], i) => {
    layers.push(fnn.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }));
    if (rate > 0) layers.push(fnn.layers.dropout({ rate }));
  });
  return layers;
}

function convLayers(fnn, { conv, pool, dropout }) {
  const layers = [fnn.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] })];
  for (const [filters, kernelSize] of conv) {
    layers.push(fnn.layers.conv2d({ filters, kernelSize, activation: 'relu' }));
    layers.push(fnn.layers.maxPooling2d({ poolSize: pool }));
  }
  layers.push(fnn.layers.flatten());
  if (dropout > 0) layers.push(fnn.layers.dropout({ rate: dropout }));
  return layers;
}

/** MNIST-shaped synthetic data: pixels in [0, 1), one-hot labels of a random linear rule. */
export function syntheticData(tf, samples) {
  return tf.tidy(() => {
    const x = tf.randomUniform([samples, 784], 0, 1, 'float32', 7);
    const labels = tf.argMax(tf.matMul(x, tf.randomNormal([784, 10], 0, 1, 'float32', 8)), 1);
    return { x, y: tf.cast(tf.oneHot(labels, 10), 'float32') };
  });
}
