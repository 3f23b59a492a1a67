// The lesson's two-input churn data as tensors for model.fit([programmes, demographics], labels).
// Run: node examples/churn.mjs  (needs @tensorflow/tfjs, or tfjs-core plus a backend)
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { churnDataset } from '@fnn/data';

const train = churnDataset({ n: 4000, seed: 1 });
const { programmes, demographics, labels } = train.toTensors(tf);
console.log(programmes.shape, demographics.shape, labels.shape); // [4000, 10] [4000, 8] [4000, 1]
console.log(
  `cancel rate ${(train.labels.reduce((a, b) => a + b, 0) / train.n).toFixed(3)}, best possible accuracy ${train.bayesAccuracy().toFixed(3)}`,
);
// model.fit([programmes, demographics], labels, { epochs: 10 }) with the lesson's churn model
tf.dispose([programmes, demographics, labels]);
