/**
 * The lesson's two-input churn model in plain JS (float64), for testing that churnDataset is
 * learnable before @fnn/core exists: Input 10 → Dense 10, 15, 10 relu; Input 8 → Dense 8, 8
 * relu; concatenate → Dense 10, 10 relu → Dense 1 sigmoid; glorot-uniform kernels, zero
 * biases, binary cross-entropy, Adam with Keras defaults, batch 32 (Keras fit's default).
 * Test-only: gradients are written by hand and checked against finite differences.
 */
import { mulberry32 } from '../src/shuffle.js';

type Activation = 'relu' | 'sigmoid';

export class DenseLayer {
  readonly W: Float64Array;
  readonly b: Float64Array;
  readonly gW: Float64Array;
  readonly gb: Float64Array;
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private x: Float64Array = new Float64Array(0);
  private y: Float64Array = new Float64Array(0);
  private n = 0;

  constructor(
    readonly nIn: number,
    readonly nOut: number,
    readonly activation: Activation,
    uniform: () => number,
  ) {
    const limit = Math.sqrt(6 / (nIn + nOut));
    this.W = new Float64Array(nIn * nOut).map(() => (uniform() * 2 - 1) * limit);
    this.b = new Float64Array(nOut);
    this.gW = new Float64Array(nIn * nOut);
    this.gb = new Float64Array(nOut);
    this.m = [new Float64Array(nIn * nOut), new Float64Array(nOut)];
    this.v = [new Float64Array(nIn * nOut), new Float64Array(nOut)];
  }

  get paramCount(): number {
    return this.W.length + this.b.length;
  }

  forward(x: Float64Array, n: number): Float64Array {
    const { nIn, nOut, W, b } = this;
    const y = new Float64Array(n * nOut);
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < nOut; o++) {
        let s = b[o]!;
        for (let i = 0; i < nIn; i++) s += x[r * nIn + i]! * W[i * nOut + o]!;
        y[r * nOut + o] = this.activation === 'relu' ? Math.max(s, 0) : 1 / (1 + Math.exp(-s));
      }
    }
    this.x = x;
    this.y = y;
    this.n = n;
    return y;
  }

  /** dOut: gradient w.r.t. the output; for the sigmoid output it is w.r.t. the pre-activation. */
  backward(dOut: Float64Array): Float64Array {
    const { nIn, nOut, W, x, y, n } = this;
    this.gW.fill(0);
    this.gb.fill(0);
    const dx = new Float64Array(n * nIn);
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < nOut; o++) {
        const k = r * nOut + o;
        const g = this.activation === 'relu' && y[k]! <= 0 ? 0 : dOut[k]!;
        if (g === 0) continue;
        this.gb[o]! += g;
        for (let i = 0; i < nIn; i++) {
          this.gW[i * nOut + o]! += x[r * nIn + i]! * g;
          dx[r * nIn + i]! += W[i * nOut + o]! * g;
        }
      }
    }
    return dx;
  }

  adam(t: number, lr = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7): void {
    const lrT = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    const groups: [Float64Array, Float64Array, Float64Array, Float64Array][] = [
      [this.W, this.gW, this.m[0]!, this.v[0]!],
      [this.b, this.gb, this.m[1]!, this.v[1]!],
    ];
    for (const [p, g, m, v] of groups) {
      for (let k = 0; k < p.length; k++) {
        m[k] = beta1 * m[k]! + (1 - beta1) * g[k]!;
        v[k] = beta2 * v[k]! + (1 - beta2) * g[k]! ** 2;
        p[k]! -= (lrT * m[k]!) / (Math.sqrt(v[k]!) + epsilon);
      }
    }
  }
}

export class ChurnNet {
  readonly branch1: DenseLayer[];
  readonly branch2: DenseLayer[];
  readonly head: DenseLayer[];
  private t = 0;

  constructor(seed: number) {
    const u32 = mulberry32(seed);
    const uniform = () => u32() / 4294967296;
    this.branch1 = [
      new DenseLayer(10, 10, 'relu', uniform),
      new DenseLayer(10, 15, 'relu', uniform),
      new DenseLayer(15, 10, 'relu', uniform),
    ];
    this.branch2 = [new DenseLayer(8, 8, 'relu', uniform), new DenseLayer(8, 8, 'relu', uniform)];
    this.head = [
      new DenseLayer(18, 10, 'relu', uniform),
      new DenseLayer(10, 10, 'relu', uniform),
      new DenseLayer(10, 1, 'sigmoid', uniform),
    ];
  }

  get layers(): DenseLayer[] {
    return [...this.branch1, ...this.branch2, ...this.head];
  }

  get paramCount(): number {
    return this.layers.reduce((sum, l) => sum + l.paramCount, 0);
  }

  /** Cancel probabilities for n rows of programmes (n × 10) and demographics (n × 8). */
  predict(programmes: ArrayLike<number>, demographics: ArrayLike<number>, n: number): Float64Array {
    let a: Float64Array = Float64Array.from(programmes);
    for (const l of this.branch1) a = l.forward(a, n);
    let c: Float64Array = Float64Array.from(demographics);
    for (const l of this.branch2) c = l.forward(c, n);
    let h: Float64Array = new Float64Array(n * 18);
    for (let r = 0; r < n; r++) {
      h.set(a.subarray(r * 10, r * 10 + 10), r * 18);
      h.set(c.subarray(r * 8, r * 8 + 8), r * 18 + 10);
    }
    for (const l of this.head) h = l.forward(h, n);
    return h;
  }

  /** Mean binary cross-entropy of a batch; fills every layer's gradients. */
  lossAndGradients(programmes: Float64Array, demographics: Float64Array, labels: Float64Array, n: number): number {
    const p = this.predict(programmes, demographics, n);
    let loss = 0;
    const dz = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const y = labels[r]!;
      loss -= y * Math.log(p[r]!) + (1 - y) * Math.log(1 - p[r]!);
      dz[r] = (p[r]! - y) / n; // d(BCE)/d(pre-sigmoid)
    }
    let g: Float64Array = dz;
    for (let k = this.head.length - 1; k >= 0; k--) g = this.head[k]!.backward(g);
    let g1: Float64Array = new Float64Array(n * 10);
    let g2: Float64Array = new Float64Array(n * 8);
    for (let r = 0; r < n; r++) {
      g1.set(g.subarray(r * 18, r * 18 + 10), r * 10);
      g2.set(g.subarray(r * 18 + 10, r * 18 + 18), r * 8);
    }
    for (let k = this.branch1.length - 1; k >= 0; k--) g1 = this.branch1[k]!.backward(g1);
    for (let k = this.branch2.length - 1; k >= 0; k--) g2 = this.branch2[k]!.backward(g2);
    return loss / n;
  }

  fit(
    programmes: Float32Array,
    demographics: Float32Array,
    labels: Float32Array,
    options: { epochs: number; batchSize: number; seed: number },
  ): void {
    const n = labels.length;
    const u32 = mulberry32(options.seed);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      for (let i = n - 1; i > 0; i--) {
        const j = u32() % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (let start = 0; start < n; start += options.batchSize) {
        const batch = order.slice(start, start + options.batchSize);
        const m = batch.length;
        const p = new Float64Array(m * 10);
        const d = new Float64Array(m * 8);
        const y = new Float64Array(m);
        batch.forEach((k, r) => {
          p.set(programmes.subarray(k * 10, k * 10 + 10), r * 10);
          d.set(demographics.subarray(k * 8, k * 8 + 8), r * 8);
          y[r] = labels[k]!;
        });
        this.lossAndGradients(p, d, y, m);
        this.t++;
        for (const l of this.layers) l.adam(this.t);
      }
    }
  }

  accuracy(programmes: Float32Array, demographics: Float32Array, labels: Float32Array): number {
    const p = this.predict(programmes, demographics, labels.length);
    let correct = 0;
    for (let r = 0; r < labels.length; r++) if ((p[r]! > 0.5 ? 1 : 0) === labels[r]) correct++;
    return correct / labels.length;
  }
}
