// The fused whole-model functions (optimizer updates, dropout masks, batch norm) against
// straightforward double-precision JavaScript written from the Keras formulas, and @fnn/core's
// own dropout mask.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '../../core/src/random.js';
import { fillDropoutMask } from '../../core/src/layers/dropout.js';
import {
  nativeAdamUpdate,
  nativeBatchNormBackward,
  nativeBatchNormForward,
  nativeDropoutMask,
  nativeRmspropUpdate,
  nativeSgdUpdate,
  registerNativeBackend,
} from './index.js';

const rng = new SeededRandom(7);
const randomArray = (n: number, low = -1, high = 1) => Float32Array.from({ length: n }, () => rng.uniform(low, high));
// Sizes off the vector width, and an empty parameter.
const SIZES = [1, 17, 250, 1000, 0];

function expectNear(got: Float32Array, want: ArrayLike<number>, tolerance = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const w = want[i]!;
    if (!(Math.abs(got[i]! - w) <= tolerance * Math.max(1, Math.abs(w))))
      throw new Error(`element ${i}: got ${got[i]}, want ${w}`);
  }
}

describe('fused optimizer updates', () => {
  it('Adam (Keras form, and PyTorch/tfjs epsilon placement) over several parameters at once, for 3 steps', () => {
    for (const form of ['keras', 'pytorch'] as const) {
      const params = SIZES.map((n) => randomArray(n));
      const m = SIZES.map((n) => new Float32Array(n));
      const v = SIZES.map((n) => new Float32Array(n));
      const ref = params.map((p) => Array.from(p));
      const refM = SIZES.map((n) => new Array<number>(n).fill(0));
      const refV = SIZES.map((n) => new Array<number>(n).fill(0));
      const [lr, beta1, beta2, epsilon] = [0.01, 0.9, 0.999, 1e-7];
      for (let step = 1; step <= 3; step++) {
        const grads = SIZES.map((n) => randomArray(n));
        nativeAdamUpdate(params, grads, { m, v }, { lr, beta1, beta2, epsilon, step, epsilonForm: form });
        grads.forEach((g, k) => {
          for (let i = 0; i < g.length; i++) {
            refM[k]![i] = beta1 * refM[k]![i]! + (1 - beta1) * g[i]!;
            refV[k]![i] = beta2 * refV[k]![i]! + (1 - beta2) * g[i]! ** 2;
            const mHat = refM[k]![i]! / (1 - beta1 ** step);
            const vHat = refV[k]![i]! / (1 - beta2 ** step);
            const keras =
              (((lr * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step)) * refM[k]![i]!) /
              (Math.sqrt(refV[k]![i]!) + epsilon);
            ref[k]![i]! -= form === 'keras' ? keras : (lr * mHat) / (Math.sqrt(vHat) + epsilon);
          }
        });
      }
      params.forEach((p, k) => {
        expectNear(p, ref[k]!);
        expectNear(m[k]!, refM[k]!);
        expectNear(v[k]!, refV[k]!);
      });
    }
  });

  it('SGD: plain, momentum, Nesterov', () => {
    for (const [momentum, nesterov] of [
      [0, false],
      [0.9, false],
      [0.9, true],
    ] as const) {
      const params = SIZES.map((n) => randomArray(n));
      const velocities = SIZES.map((n) => new Float32Array(n));
      const ref = params.map((p) => Array.from(p));
      const refVel = SIZES.map((n) => new Array<number>(n).fill(0));
      for (let step = 0; step < 3; step++) {
        const grads = SIZES.map((n) => randomArray(n));
        nativeSgdUpdate(params, grads, momentum ? velocities : null, { lr: 0.1, momentum, nesterov });
        grads.forEach((g, k) => {
          for (let i = 0; i < g.length; i++) {
            const vel = momentum * refVel[k]![i]! - 0.1 * g[i]!;
            refVel[k]![i] = vel;
            ref[k]![i]! += momentum === 0 ? -0.1 * g[i]! : nesterov ? momentum * vel - 0.1 * g[i]! : vel;
          }
        });
      }
      params.forEach((p, k) => {
        expectNear(p, ref[k]!);
      });
    }
  });

  it('RMSprop with and without momentum', () => {
    for (const momentum of [0, 0.5]) {
      const params = SIZES.map((n) => randomArray(n));
      const ms = SIZES.map((n) => new Float32Array(n));
      const moments = SIZES.map((n) => new Float32Array(n));
      const ref = params.map((p) => Array.from(p));
      const refMs = SIZES.map((n) => new Array<number>(n).fill(0));
      const refMom = SIZES.map((n) => new Array<number>(n).fill(0));
      for (let step = 0; step < 3; step++) {
        const grads = SIZES.map((n) => randomArray(n));
        nativeRmspropUpdate(
          params,
          grads,
          { meanSquares: ms, moments: momentum ? moments : null },
          {
            lr: 0.01,
            rho: 0.9,
            momentum,
            epsilon: 1e-7,
          },
        );
        grads.forEach((g, k) => {
          for (let i = 0; i < g.length; i++) {
            refMs[k]![i] = 0.9 * refMs[k]![i]! + 0.1 * g[i]! ** 2;
            const delta = (0.01 * g[i]!) / (Math.sqrt(refMs[k]![i]!) + 1e-7);
            refMom[k]![i] = momentum * refMom[k]![i]! + delta;
            ref[k]![i]! -= momentum ? refMom[k]![i]! : delta;
          }
        });
      }
      params.forEach((p, k) => {
        expectNear(p, ref[k]!, 1e-4);
      });
    }
  });

  it('rejects mismatched lists with a message naming the argument', () => {
    expect(() =>
      nativeAdamUpdate(
        [new Float32Array(3)],
        [new Float32Array(2)],
        { m: [new Float32Array(3)], v: [new Float32Array(3)] },
        {
          lr: 1,
          beta1: 0.9,
          beta2: 0.999,
          epsilon: 1e-7,
          step: 1,
        },
      ),
    ).toThrow('grads[0] must be a Float32Array of length 3, but got length 2');
    expect(() => nativeSgdUpdate([new Float32Array(3)], [new Float32Array(3)], null, { lr: 1, momentum: 0.9 })).toThrow(
      'velocities',
    );
  });
});

describe('nativeDropoutMask', () => {
  it("writes exactly @fnn/core's fillDropoutMask, as an array and as a pooled tensor", async () => {
    for (const [n, rate] of [
      [1000, 0.2],
      [17, 0.5],
      [0, 0.3],
      [64, 0],
      [4096, 0.9],
    ] as const) {
      const seed = 12345 + n;
      const want = new Float32Array(n);
      fillDropoutMask(want, rate, seed);
      const got = new Float32Array(n);
      nativeDropoutMask(got, rate, seed);
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    }
    registerNativeBackend();
    await tf.setBackend('native');
    const mask = tf.engine().runKernel('FnnDropoutMask', {}, { shape: [32, 50], rate: 0.2, seed: 99 }) as tf.Tensor;
    const want = new Float32Array(1600);
    fillDropoutMask(want, 0.2, 99);
    expect(mask.shape).toEqual([32, 50]);
    expect(Buffer.from((mask.dataSync() as Float32Array).buffer).equals(Buffer.from(want.buffer))).toBe(true);
    mask.dispose();
    const kept = new Float32Array(100000);
    nativeDropoutMask(kept, 0.2, 1);
    expect(kept.filter((x) => x === 0).length / kept.length).toBeCloseTo(0.2, 2);
  });
});

describe('fused batch normalization', () => {
  it('forward and backward match the formulas (double precision reference)', () => {
    for (const [rows, channels] of [
      [127, 3],
      [1, 5],
      [64, 33],
    ] as const) {
      const x = randomArray(rows * channels, -2, 3);
      const gamma = randomArray(channels, 0.5, 1.5);
      const beta = randomArray(channels);
      const dy = randomArray(rows * channels);
      const eps = 1e-3;
      const { y, mean, variance, invStd } = nativeBatchNormForward(x, { gamma, beta, epsilon: eps, channels });
      const { dx, dgamma, dbeta } = nativeBatchNormBackward(dy, x, { mean, invStd, gamma });
      for (let c = 0; c < channels; c++) {
        let mu = 0;
        for (let r = 0; r < rows; r++) mu += x[r * channels + c]! / rows;
        let vr = 0;
        for (let r = 0; r < rows; r++) vr += (x[r * channels + c]! - mu) ** 2 / rows;
        const inv = 1 / Math.sqrt(vr + eps);
        expect(mean[c]).toBeCloseTo(mu, 5);
        expect(variance[c]).toBeCloseTo(vr, 5);
        let sdy = 0;
        let sdyx = 0;
        for (let r = 0; r < rows; r++) {
          const xhat = (x[r * channels + c]! - mu) * inv;
          expect(y[r * channels + c]).toBeCloseTo(gamma[c]! * xhat + beta[c]!, 4);
          sdy += dy[r * channels + c]!;
          sdyx += dy[r * channels + c]! * xhat;
        }
        expect(dbeta[c]).toBeCloseTo(sdy, 4);
        expect(dgamma[c]).toBeCloseTo(sdyx, 4);
        for (let r = 0; r < rows; r++) {
          const xhat = (x[r * channels + c]! - mu) * inv;
          const want = ((gamma[c]! * inv) / rows) * (rows * dy[r * channels + c]! - sdy - xhat * sdyx);
          expect(dx![r * channels + c]).toBeCloseTo(want, 4);
        }
      }
    }
  });
});
