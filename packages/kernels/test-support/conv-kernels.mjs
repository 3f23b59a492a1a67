// A convnet layer's kernels (and FnnConv2DBackward, a Conv2D layer's backward pass) on the active backend, from plain arrays to plain arrays: the same
// code in the main thread and in worker threads (test-support/worker-conv.mjs).

/** Inputs for runConvKernels: x [2, 13, 13, 32], filter [3, 3, 32, 64], bias [64], dy [2, 11, 11, 64]. */
export function convKernelInputs() {
  const values = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 12.9898) * 0.5);
  return {
    x: values(2 * 13 * 13 * 32, 1),
    filter: values(3 * 3 * 32 * 64, 2),
    bias: values(64, 3),
    dy: values(2 * 11 * 11 * 64, 4),
  };
}

function layerBackwardChain(tf, { x, y, dy, filter }, attrs) {
  const dz = tf.mul(dy, tf.step(y));
  return [
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, { ...attrs, filterShape: filter.shape }),
    tf.sum(dz, [0, 1, 2]),
    tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter }, { ...attrs, inputShape: x.shape }),
  ];
}

export function runConvKernels(tf, { x, filter, bias, dy }) {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, [2, 13, 13, 32]);
    const ft = tf.tensor4d(filter, [3, 3, 32, 64]);
    const dyt = tf.tensor4d(dy, [2, 11, 11, 64]);
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC' };
    const y = tf.fused.conv2d({
      x: xt,
      filter: ft,
      strides: 1,
      pad: 'valid',
      bias: tf.tensor1d(bias),
      activation: 'relu',
    });
    const pooled = tf.maxPool(y, 2, 2, 'valid');
    const poolGrad = tf
      .engine()
      .runKernel(
        'MaxPoolGrad',
        { dy: tf.onesLike(pooled), input: y, output: pooled },
        { filterSize: 2, strides: 2, pad: 'valid' },
      );
    const dx = tf
      .engine()
      .runKernel('Conv2DBackpropInput', { dy: dyt, filter: ft }, { ...attrs, inputShape: [2, 13, 13, 32] });
    const dw = tf
      .engine()
      .runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs, filterShape: [3, 3, 32, 64] });
    // A Conv2D layer's backward pass: FnnConv2DBackward where registered (native), else its op chain.
    const layerGrads = tf.getKernel('FnnConv2DBackward', tf.getBackend())
      ? tf
          .engine()
          .runKernel(
            'FnnConv2DBackward',
            { x: xt, y, dy: dyt, filter: ft },
            { strides: 1, pad: 'valid', activation: 'relu', useBias: true, needsDx: true },
          )
      : layerBackwardChain(tf, { x: xt, y, dy: dyt, filter: ft }, attrs);
    return [y, pooled, poolGrad, dx, dw, ...layerGrads].map((t) => t.dataSync());
  });
}
