import { beforeAll, describe, expect, it } from 'vitest';
import type { tf } from '../tf.js';
import { setBackend } from '../backend.js';
import { computeFans } from './initializer.js';
import { getInitializer, initializers, serializeInitializer } from './index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

function stats(values: ArrayLike<number>) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / values.length;
  return { min, max, mean, std: Math.sqrt(sumSq / values.length - mean * mean) };
}

const sample = (name: string, shape: number[], seed = 3) =>
  getInitializer({ className: name, config: { seed } }).apply(shape).dataSync();

describe('initializers', () => {
  it('computes Keras fans for dense and conv kernels', () => {
    expect(computeFans([784, 250])).toEqual({ fanIn: 784, fanOut: 250 });
    expect(computeFans([3, 3, 32, 64])).toEqual({ fanIn: 288, fanOut: 576 });
    expect(computeFans([10])).toEqual({ fanIn: 10, fanOut: 10 });
  });

  it('glorotUniform: uniform in ±sqrt(6 / (fanIn + fanOut))', () => {
    const limit = Math.sqrt(6 / (784 + 250));
    const s = stats(sample('GlorotUniform', [784, 250]));
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.max).toBeGreaterThan(limit * 0.999);
    expect(s.min).toBeLessThan(-limit * 0.999);
    // 196k samples: the sample std is within ~0.3 % of limit / sqrt(3).
    expect(Math.abs(s.std / (limit / Math.sqrt(3)) - 1)).toBeLessThan(0.01);
    expect(Math.abs(s.mean)).toBeLessThan(limit * 0.01);
  });

  it.each([
    {
      name: 'HeNormal',
      std: (fanIn: number) => Math.sqrt(2 / fanIn),
      bound: (fanIn: number) => (2 * Math.sqrt(2 / fanIn)) / 0.8796256610342398,
    },
    {
      name: 'LeCunNormal',
      std: (fanIn: number) => Math.sqrt(1 / fanIn),
      bound: (fanIn: number) => (2 * Math.sqrt(1 / fanIn)) / 0.8796256610342398,
    },
  ])('$name: truncated normal (2 std) with std sqrt(scale / fanIn), as Keras', ({ name, std, bound }) => {
    const s = stats(sample(name, [400, 300]));
    expect(Math.abs(s.std / std(400) - 1)).toBeLessThan(0.01);
    expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual(bound(400) * (1 + 1e-6));
    expect(Math.max(-s.min, s.max)).toBeGreaterThan(bound(400) * 0.99);
  });

  it('glorotNormal: std sqrt(2 / (fanIn + fanOut)); heUniform: ±sqrt(6 / fanIn)', () => {
    expect(Math.abs(stats(sample('GlorotNormal', [3, 3, 16, 32])).std / Math.sqrt(2 / (144 + 288)) - 1)).toBeLessThan(
      0.02,
    );
    const s = stats(sample('HeUniform', [500, 200]));
    expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual(Math.sqrt(6 / 500));
    expect(Math.abs(s.std / Math.sqrt(2 / 500) - 1)).toBeLessThan(0.01);
  });

  it('randomNormal and randomUniform use Keras defaults (0, 0.05) and [-0.05, 0.05)', () => {
    const n = stats(initializers.randomNormal({ seed: 1 }).apply([200, 500]).dataSync());
    expect(Math.abs(n.mean)).toBeLessThan(0.001);
    expect(Math.abs(n.std / 0.05 - 1)).toBeLessThan(0.01);
    const u = stats(initializers.randomUniform({ seed: 1 }).apply([200, 500]).dataSync());
    expect(u.min).toBeGreaterThanOrEqual(-0.05);
    expect(u.max).toBeLessThan(0.05);
    const custom = stats(initializers.randomNormal({ mean: 2, stddev: 0.5, seed: 4 }).apply([100, 100]).dataSync());
    expect(custom.mean).toBeCloseTo(2, 1);
    expect(custom.std).toBeCloseTo(0.5, 1);
  });

  it('zeros, ones and constant', () => {
    expect([...initializers.zeros().apply([2, 2]).dataSync()]).toEqual([0, 0, 0, 0]);
    expect([...initializers.ones().apply([3]).dataSync()]).toEqual([1, 1, 1]);
    expect([...initializers.constant({ value: 0.25 }).apply([2]).dataSync()]).toEqual([0.25, 0.25]);
  });

  it.each([
    'glorotUniform',
    'glorotNormal',
    'heNormal',
    'heUniform',
    'leCunNormal',
    'leCunUniform',
    'randomNormal',
    'truncatedNormal',
    'randomUniform',
  ] as const)('%s: the same seed gives bit-identical values, another seed different ones', (name) => {
    const make = initializers[name] as (args: { seed: number }) => { apply(shape: number[]): tf.Tensor };
    const a = make({ seed: 42 }).apply([30, 20]).dataSync();
    const b = make({ seed: 42 }).apply([30, 20]).dataSync();
    const c = make({ seed: 43 }).apply([30, 20]).dataSync();
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it('gives the same seeded values on every backend', async () => {
    const cpu = initializers.glorotUniform({ seed: 7 }).apply([50, 40]).dataSync().slice();
    await setBackend('wasm');
    const wasm = initializers.glorotUniform({ seed: 7 }).apply([50, 40]).dataSync().slice();
    await setBackend('cpu');
    expect(Buffer.from(wasm.buffer).equals(Buffer.from(cpu.buffer))).toBe(true);
  });

  it('resolves names (camelCase, snake_case, class names), instances and serialized forms', () => {
    expect(getInitializer('glorotUniform').className).toBe('GlorotUniform');
    expect(getInitializer('glorot_uniform').className).toBe('GlorotUniform');
    expect(getInitializer('he_normal').className).toBe('HeNormal');
    expect(getInitializer('Zeros').className).toBe('Zeros');
    const instance = initializers.heUniform({ seed: 9 });
    expect(getInitializer(instance)).toBe(instance);
    const roundTrip = getInitializer(serializeInitializer(instance));
    expect(roundTrip.className).toBe('HeUniform');
    expect(
      Buffer.from(roundTrip.apply([4, 4]).dataSync().buffer).equals(
        Buffer.from(instance.apply([4, 4]).dataSync().buffer),
      ),
    ).toBe(true);
    const scaled = getInitializer({
      class_name: 'VarianceScaling',
      config: { scale: 2, mode: 'fan_avg', distribution: 'uniform', seed: 1 },
    });
    expect(scaled.getConfig()).toEqual({ scale: 2, mode: 'fanAvg', distribution: 'uniform', seed: 1 });
  });

  it('lists the valid names for unknown ones, naming the owner', () => {
    expect(() => getInitializer('xavier', 'Dense dense_3')).toThrow(
      'Dense dense_3: unknown initializer "xavier"; expected one of glorotUniform, glorotNormal, heNormal, heUniform, leCunNormal, leCunUniform, randomNormal, randomUniform, truncatedNormal, zeros, ones.',
    );
    expect(() => getInitializer({ className: 'Orthogonal' })).toThrow(
      'initializer: unknown initializer class "Orthogonal"; expected one of GlorotUniform,',
    );
    expect(() => getInitializer(42 as never)).toThrow(
      'initializer: expected an initializer name or instance, but got 42.',
    );
  });
});
