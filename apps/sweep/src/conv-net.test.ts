import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { convTrainingFlops } from './conv-net.js';
import { ConfigError } from './errors.js';
import { expandGrid, loadGrid } from './grid.js';
import { describeArchitecture, validateRunConfig } from './run-config.js';
import { countParams, estimateCost } from './schedule.js';
import { sampleTrials } from './search/sample.js';
import { parseSpace, spaceToGrid } from './search/space.js';
import { backendSpeed } from './speed.js';

const example = () => loadGrid(fileURLToPath(new URL('../examples/convnet.json', import.meta.url)), 1);

describe('conv runs in a grid', () => {
  it('reads the Keras MNIST convnet (examples/convnet.json) as one run of 34,826 parameters', () => {
    const runs = example();
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run).toMatchObject({
      id: 'grid',
      conv: [
        [32, 3],
        [64, 3],
      ],
      pool: 2,
      hidden: [],
      dropout: 0.5,
      activation: 'relu',
      optimizer: 'adam',
      learningRate: 0.001,
      batchSize: 128,
      epochs: 15,
    });
    expect(validateRunConfig(run)).toBe(run);
    // Keras: conv 3·3·1·32 + 32, conv 3·3·32·64 + 64, dense 5·5·64·10 + 10.
    expect(countParams(run!)).toBe(320 + 18_496 + 16_010);
    expect(describeArchitecture(run!)).toBe('conv 32@3×3-64@3×3 pool 2 → 10 drop 0.5');
  });

  it('crosses conv architectures (an empty one is a dense net) with pooling sizes', () => {
    const runs = expandGrid(
      {
        conv: [
          [],
          [[16, 5]],
          [
            [8, 3],
            [16, 3],
          ],
        ],
        pool: [1, 2],
        hidden: [[], [64]],
      },
      1,
    );
    // Pooling multiplies only the conv architectures: (1 + 2 × 2) × 2 hidden options.
    expect(runs.map((r) => r.id)).toEqual([
      'dense_hnone',
      'dense_h64',
      'c16k5_p1_hnone',
      'c16k5_p1_h64',
      'c16k5_p2_hnone',
      'c16k5_p2_h64',
      'c8k3-16k3_p1_hnone',
      'c8k3-16k3_p1_h64',
      'c8k3-16k3_p2_hnone',
      'c8k3-16k3_p2_h64',
    ]);
    const dense = runs[0]!;
    expect('conv' in dense || 'pool' in dense).toBe(false);
    // 784 → 10 softmax: a dense run may have no hidden layer.
    expect(countParams(dense)).toBe(7850);
    // 28 − 4 = 24, no pooling: 24·24·16 values enter the head.
    expect(countParams(runs[2]!)).toBe(5 * 5 * 16 + 16 + 24 * 24 * 16 * 10 + 10);
    expect(countParams(runs[4]!)).toBe(5 * 5 * 16 + 16 + 12 * 12 * 16 * 10 + 10);
    for (const r of runs) expect(validateRunConfig(r)).toBe(r);
  });

  it.each([
    [{ conv: 32 }, 'conv[0]: expected a list of [filters, kernelSize] pairs such as [[32, 3], [64, 3]], but got 32.'],
    [
      { conv: [[32, 3], [64]] },
      'conv[0][1]: expected [filters, kernelSize], two positive integers such as [32, 3], but got [64].',
    ],
    [
      { conv: [[[32, 3]], [[0, 3]]] },
      'conv[1][0]: expected [filters, kernelSize], two positive integers such as [32, 3], but got [0, 3].',
    ],
    [{ conv: [[2048, 3]] }, 'conv[0][0]: expected at most 1024 filters, but got 2048.'],
    [{ conv: [[8, 33]] }, 'conv[0][0]: expected a kernel size of at most 32, but got 33.'],
    [{ conv: Array(17).fill([1, 1]) }, 'conv[0]: expected at most 16 conv layers, but got 17.'],
    [
      { conv: [[8, 3]], pool: [2, 0] },
      'pool[1]: expected a pooling size, an integer from 1 (no pooling) to 16, but got 0.',
    ],
    [
      { pool: 2 },
      'pool: pooling follows conv layers, but the grid has no "conv" (got pool 2); add "conv" or remove "pool".',
    ],
  ])('rejects %j before building anything: %s', (spec, message) => {
    expect(() => expandGrid(spec, 1)).toThrow(ConfigError);
    expect(() => expandGrid(spec, 1)).toThrow(message);
  });

  it('rejects layers that shrink the 28×28 image to nothing, naming the layer and why', () => {
    // 28 → 24 → 12 → 8 → 4, then a 5×5 kernel does not fit.
    expect(() =>
      expandGrid(
        {
          conv: [
            [
              [8, 5],
              [8, 5],
              [8, 5],
            ],
          ],
          pool: 2,
        },
        1,
      ),
    ).toThrow(
      'a run of the grid: conv [[8, 5], [8, 5], [8, 5]] with pool 2: conv layer 3 ([8, 5]) shrinks the 28×28 input to nothing (its 5×5 kernel does not fit the 4×4 image left); expected layers that leave at least 1×1.',
    );
    // 28 − 13 = 15 rows, fewer than one 16 × 16 pooling window.
    expect(() => expandGrid({ conv: [[8, 14]], pool: 16 }, 1)).toThrow(
      'conv layer 1 ([8, 14]) shrinks the 28×28 input to nothing (16×16 pooling of its 15×15 output leaves nothing)',
    );
    expect(expandGrid({ conv: [[8, 13]], pool: 16 }, 1)).toHaveLength(1);
  });

  it('bounds the activations one batch keeps for the backward pass', () => {
    // 1024 filters × (26² conv + 13² pooled values) × 65,536 samples.
    expect(() => expandGrid({ conv: [[1024, 3]], batchSize: 65_536 }, 1)).toThrow(
      'a run of the grid: conv [[1024, 3]] at batch size 65536 keeps 56,706,990,080 activation values per batch; expected at most 268,435,456 (1 GiB)',
    );
  });

  it('checks the conv fields of a run file', () => {
    const [run] = example();
    expect(() => validateRunConfig({ ...run, conv: [[32, -3]] }, 'runs/x.json')).toThrow(
      'runs/x.json.conv[0]: expected [filters, kernelSize], two positive integers such as [32, 3], but got [32, -3].',
    );
    expect(() => validateRunConfig({ ...run, pool: 1.5 }, 'runs/x.json')).toThrow(
      'runs/x.json.pool: expected a pooling',
    );
    expect(() => validateRunConfig({ ...run, conv: [[32, 29]] }, 'runs/x.json')).toThrow(
      'runs/x.json: conv [[32, 29]] with pool 2: conv layer 1 ([32, 29]) shrinks the 28×28 input to nothing',
    );
  });
});

describe('the cost of a conv run', () => {
  it('counts the convolutions’ FLOPs, not just their parameters', () => {
    const [run] = example();
    // Forward, input gradient and filter gradient: 3 × 2 FLOPs per multiply-add, per output pixel.
    const conv1 = 3 * 3 * 1 * 32 * 26 * 26;
    const conv2 = 3 * 3 * 32 * 64 * 11 * 11;
    expect(convTrainingFlops(run!, 784)).toBe(6 * (conv1 + conv2));
    const speed = backendSpeed('native');
    const steps = Math.ceil(55_000 / 128) * 15;
    const perStep =
      (6 * 128 * 16_010) / speed.flopsPerSecond +
      (128 * 6 * (conv1 + conv2)) / speed.convFlopsPerSecond +
      (1 + 2 * 2) * speed.secondsPerLayerStep;
    expect(estimateCost(run!, 55_000, { speed })).toBeCloseTo(steps * perStep, 6);
  });
});

describe('the --dry-run estimate of the Keras convnet (15 epochs, 55,000 images)', () => {
  const seconds = (backend: string) => estimateCost(example()[0]!, 55_000, { speed: backendSpeed(backend) });

  it('is near its measured single-core training time on native', () => {
    // Measured on one core: 10,400 samples/s (bench/conv.bench.mjs, one model.fit epoch), so
    // 825,000 samples in ~79 s; on 2 workers the 15 epochs took 52 s (README).
    expect(seconds('native')).toBeGreaterThan(60);
    expect(seconds('native')).toBeLessThan(120);
  });

  it('is as slow on wasm and cpu as their conv rates measured on the convnet (1.2 and 0.02 GFLOP/s, loaded)', () => {
    // 14.55 MFLOP of convolution per sample: at wasm's loaded 1.2 GFLOP/s 825,000 samples take
    // ~10,000 s, ~6,000 s quiet; cpu's 0.02 GFLOP/s, ~600,000 s.
    expect(seconds('wasm')).toBeGreaterThan(4_000);
    expect(seconds('wasm')).toBeLessThan(12_000);
    expect(seconds('cpu')).toBeGreaterThan(200_000);
    expect(seconds('cpu')).toBeLessThan(700_000);
  });
});

describe('conv in a search space', () => {
  it('takes one architecture or a list of them, and pooling as a list or an int range', () => {
    const space = parseSpace({
      conv: [
        [32, 3],
        [64, 3],
      ],
      pool: { int: [1, 2] },
    });
    expect(space.conv).toEqual({
      kind: 'choice',
      values: [
        [
          [32, 3],
          [64, 3],
        ],
      ],
    });
    const trials = sampleTrials(parseSpace({ conv: [[[16, 3]], [[32, 5]]], pool: [1, 2] }), 6, 4, 1);
    for (const t of trials) {
      expect([[[16, 3]], [[32, 5]]]).toContainEqual(t.conv);
      expect([1, 2]).toContain(t.pool);
    }
    expect(spaceToGrid(parseSpace({ conv: [[[16, 3]], [[32, 5]]], pool: [1, 2] }), 1)).toHaveLength(4);
  });

  it('checks pooling with the conv layers it follows', () => {
    expect(() => parseSpace({ conv: [[8, 14]], pool: { int: [2, 16] } })).toThrow(
      'conv layer 1 ([8, 14]) shrinks the 28×28 input to nothing',
    );
    expect(() => parseSpace({ pool: [2] })).toThrow('pool: pooling follows conv layers');
  });
});
