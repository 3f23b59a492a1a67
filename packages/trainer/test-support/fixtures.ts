import {
  initializers,
  layers,
  resetNames,
  sequential,
  SeededRandom,
  tf,
  type CompileArgs,
  type LayersModel,
  type Layer,
  type Tensor,
} from '@fnn/core';

/** A small classification problem: `n` samples of `features` normal values, one-hot labels over `classes` depending on them. */
export function classificationData(n: number, features = 8, classes = 3, seed = 11): { x: Tensor; y: Tensor } {
  const random = new SeededRandom(seed);
  const x = new Float32Array(n * features);
  const y = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    let score = 0;
    for (let j = 0; j < features; j++) {
      const v = random.normal();
      x[i * features + j] = v;
      score += (j % 3 === 0 ? 1 : -0.5) * v;
    }
    const label = score < -0.5 ? 0 : score < 0.5 ? 1 : 2;
    y[i * classes + (label % classes)] = 1;
  }
  return { x: tf.tensor2d(x, [n, features]), y: tf.tensor2d(y, [n, classes]) };
}

/** Compiles a fresh Sequential model with names restarted, so two calls give the same names (and, with the same seeds, the same weights). */
export function compiledModel(
  hidden: Layer[],
  options: { features?: number; classes?: number; optimizer?: CompileArgs['optimizer'] } = {},
): LayersModel {
  const model = sequential([
    layers.inputLayer({ inputShape: [options.features ?? 8] }),
    ...hidden,
    layers.dense({
      units: options.classes ?? 3,
      activation: 'softmax',
      kernelInitializer: initializers.glorotUniform({ seed: 99 }),
    }),
  ]);
  model.compile({ optimizer: options.optimizer ?? 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** 8 → 16 relu → 3 softmax, seeded. */
export function denseModel(): LayersModel {
  resetNames();
  return compiledModel([
    layers.dense({ units: 16, activation: 'relu', kernelInitializer: initializers.glorotUniform({ seed: 5 }) }),
  ]);
}

/** The largest over a model's weights of max|a - b| / max|a|: how far two sets of weights are apart, relative to their size. */
export function relativeDifference(a: Tensor[] | Float32Array[], b: Tensor[] | Float32Array[]): number {
  let worst = 0;
  a.forEach((t, i) => {
    const x = t instanceof Float32Array ? t : (t.dataSync() as Float32Array);
    const u = b[i]!;
    const y = u instanceof Float32Array ? u : (u.dataSync() as Float32Array);
    if (x.length !== y.length) throw new Error(`weight ${i}: ${x.length} values vs ${y.length}`);
    let diff = 0;
    let scale = 0;
    for (let k = 0; k < x.length; k++) {
      diff = Math.max(diff, Math.abs(x[k]! - y[k]!));
      scale = Math.max(scale, Math.abs(x[k]!));
    }
    worst = Math.max(worst, scale === 0 ? diff : diff / scale);
  });
  return worst;
}

/** All of a model's weights as one flat array, trainable then non-trainable (the trainer's layout). */
export function flatWeights(model: LayersModel): Float32Array {
  const parts = [...model.trainableWeights, ...model.nonTrainableWeights].map(
    (w) => w.read().dataSync() as Float32Array,
  );
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
