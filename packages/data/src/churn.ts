import { checkInteger, DataError } from './errors.js';
import type { Tensor2DFactory } from './dataset.js';
import { describeValue, mulberry32 } from '@fnn/common';

/** The ten programme categories: `programmes[i*10 + c]` is hours per day spent on category c. */
export const PROGRAMME_CATEGORIES = [
  'news',
  'sports',
  'movies',
  'series',
  'kids',
  'documentaries',
  'music',
  'reality',
  'cooking',
  'religion',
] as const;

/** The eight demographic features, each scaled to roughly unit range so a small net trains on them as they are. */
export const DEMOGRAPHIC_FEATURES = [
  'age', // (years − 45) / 15, years uniform in 18..80
  'income', // standard score
  'tenure', // years as a subscriber / 4
  'household', // (people − 3) / 1.5, people 1..5
  'children', // 1 if there are children at home, else 0
  'fee', // monthly fee, standard score
  'supportCalls', // support calls in the last quarter / 2
  'contract', // 1 on a yearly contract, 0 month-to-month
] as const;

export interface ChurnOptions {
  /** Number of subscribers. Default 1000. */
  n?: number;
  /** Seed of the generator: the same (n, seed) gives the same data everywhere. Default 0. */
  seed?: number;
}

/**
 * The lesson's two-input churn data (will a cable-TV subscriber cancel?), row-major float32:
 * pass `[programmes, demographics]` and `labels` to `model.fit` after `toTensors(tf)`.
 */
export class ChurnData {
  readonly n: number;
  /** n × 10 hours per day per programme category (PROGRAMME_CATEGORIES). */
  readonly programmes: Float32Array;
  /** n × 8 demographic features (DEMOGRAPHIC_FEATURES). */
  readonly demographics: Float32Array;
  /** n × 1: 1 = cancels, 0 = stays. */
  readonly labels: Float32Array;
  /** n: the rule's true probability of cancelling, to compare a model with the Bayes rate. */
  readonly cancelProbability: Float32Array;

  constructor(columns: Pick<ChurnData, 'n' | 'programmes' | 'demographics' | 'labels' | 'cancelProbability'>) {
    this.n = columns.n;
    this.programmes = columns.programmes;
    this.demographics = columns.demographics;
    this.labels = columns.labels;
    this.cancelProbability = columns.cancelProbability;
  }

  get shapes(): { programmes: [number, number]; demographics: [number, number]; labels: [number, number] } {
    return { programmes: [this.n, 10], demographics: [this.n, 8], labels: [this.n, 1] };
  }

  /** Accuracy of always predicting the more likely class under the true rule (the best possible). */
  bayesAccuracy(): number {
    let sum = 0;
    for (const p of this.cancelProbability) sum += Math.max(p, 1 - p);
    return this.n === 0 ? 1 : sum / this.n;
  }

  /** `{programmes, demographics, labels}` as 2-D tensors of the given tf module. */
  toTensors<T>(tf: Tensor2DFactory<T>): { programmes: T; demographics: T; labels: T } {
    if (tf === null || typeof tf !== 'object' || typeof tf.tensor2d !== 'function') {
      throw new DataError(
        `Expected toTensors's tf argument to be the tf module (with tensor2d), but got ${describeValue(tf)}.`,
      );
    }
    const s = this.shapes;
    return {
      programmes: tf.tensor2d(this.programmes, s.programmes, 'float32'),
      demographics: tf.tensor2d(this.demographics, s.demographics, 'float32'),
      labels: tf.tensor2d(this.labels, s.labels, 'float32'),
    };
  }
}

/**
 * Generates subscribers and their cancel/stay labels. The label is a coin flip with
 * probability sigmoid(rule), where the rule is non-linear (price pressure, loyalty, engagement,
 * interactions such as families that never watch kids' channels), centred so classes are about
 * balanced and scaled so the Bayes rate is ~92 %: the lesson's churn net reaches ~88 %.
 */
export function churnDataset(options: ChurnOptions = {}): ChurnData {
  const n = checkInteger('n', options.n ?? 1000, 0);
  const seed = checkInteger('seed', options.seed ?? 0, -(2 ** 31), 2 ** 32 - 1);
  const u32 = mulberry32(seed);
  const uniform = () => (u32() + 0.5) / 4294967296; // in (0, 1): safe for logarithms
  const gauss = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const programmes = new Float32Array(n * 10);
  const demographics = new Float32Array(n * 8);
  const labels = new Float32Array(n);
  const cancelProbability = new Float32Array(n);
  const share = new Float64Array(10);
  for (let s = 0; s < n; s++) {
    // Total viewing is log-normal around 3 h/day, split by gamma(0.8) tastes (a few favourite categories).
    const total = 3 * Math.exp(0.5 * gauss());
    let sum = 0;
    for (let c = 0; c < 10; c++) sum += share[c] = gamma(0.8, uniform, gauss);
    for (let c = 0; c < 10; c++) programmes[s * 10 + c] = (total * share[c]!) / sum;

    const age = 18 + 62 * uniform();
    const income = gauss();
    const tenure = -Math.log(uniform()) * 4;
    const household = 1 + Math.floor(uniform() * 5);
    const children = household > 2 && uniform() < 0.7 ? 1 : 0;
    const fee = gauss();
    const calls = Math.floor(-Math.log(uniform()) * 1.5);
    const contract = uniform() < 0.4 ? 1 : 0;
    const d = [(age - 45) / 15, income, tenure / 4, (household - 3) / 1.5, children, fee, calls / 2, contract];
    for (let i = 0; i < 8; i++) demographics[s * 8 + i] = d[i]!;

    const kidsHours = programmes[s * 10 + 4]!;
    const sportsHours = programmes[s * 10 + 1]!;
    const movieHours = programmes[s * 10 + 2]!;
    const rule =
      1.6 * (fee - 0.6 * income) - // price pressure
      1.5 * Math.min(tenure / 4, 2) - // loyalty, saturating
      2.0 * contract +
      0.5 * calls * (1 - contract) - // trouble matters when leaving is free
      1.8 * (Math.log1p(total) - Math.log1p(3)) + // engagement
      (children ? 2.5 * (0.3 - kidsHours) : 0) +
      1.5 * Math.max(0, sportsHours - 0.5) * (age < 35 ? 1 : -1) +
      (income < 0 ? 0.8 * movieHours : 0) +
      1.75; // centres the classes
    const p = 1 / (1 + Math.exp(-2.5 * rule));
    cancelProbability[s] = p;
    labels[s] = uniform() < p ? 1 : 0;
  }
  return new ChurnData({ n, programmes, demographics, labels, cancelProbability });
}

/** Gamma(k, 1) by Marsaglia–Tsang (boosted for k < 1). */
function gamma(k: number, uniform: () => number, gauss: () => number): number {
  if (k < 1) return gamma(k + 1, uniform, gauss) * uniform() ** (1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = gauss();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    if (Math.log(uniform()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}
