// Run with FNN_NATIVE_ISA=avx2|portable: the addon's matmul in all four transpose combinations
// (odd shapes, fused bias + relu) and Adam against double-precision loops; prints JSON.
import { createRequire } from 'node:module';

const addon = createRequire(import.meta.url)('../build/Release/fnn_kernels.node');
let seed = 1;
const random = (n) =>
  Float32Array.from({ length: n }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed / 2 ** 32) * 2 - 1;
  });
let worst = 0;
for (const [m, n, k] of [
  [1, 1, 1],
  [127, 3, 5],
  [13, 70, 33],
  [128, 250, 784],
  [5, 17, 0],
]) {
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    const a = random(m * k),
      b = random(k * n),
      bias = random(n),
      out = new Float32Array(m * n);
    addon.gemm(a, b, out, 1, m, n, k, ta, tb, 0, 0, bias, 1);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = bias[j],
          scale = Math.abs(bias[j]);
        for (let p = 0; p < k; p++) {
          const x = (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
          sum += x;
          scale += Math.abs(x);
        }
        worst = Math.max(worst, Math.abs(out[i * n + j] - Math.max(0, sum)) / Math.max(scale, 1e-30));
      }
    }
  }
}

const p = random(1001),
  g = random(1001),
  m = new Float32Array(1001),
  v = new Float32Array(1001),
  p0 = p.slice();
addon.adam([p], [g], [m], [v], 0.01, 0.9, 0.999, 1e-7);
for (let i = 0; i < 1001; i++) {
  const mi = 0.1 * g[i],
    vi = 0.001 * g[i] * g[i];
  worst = Math.max(worst, Math.abs(p[i] - (p0[i] - (0.01 * mi) / (Math.sqrt(vi) + 1e-7))) / 0.01);
}
console.log(JSON.stringify({ isa: addon.isa(), worst }));
