import { ConfigError, describe } from './errors.js';

/**
 * A run's convolutional layers, checked and measured from the numbers alone (nothing is built):
 * each `[filters, kernelSize]` is a Conv2D of `filters` kernelSize × kernelSize filters ('valid'
 * padding, stride 1, the run's activation) followed by `pool` × `pool` max pooling (none when
 * `pool` is 1), on the run's flat input seen as a square single-channel image (784 → 28×28×1).
 */
export type ConvLayer = [filters: number, kernelSize: number];

/** The convolutional part of a run; no `conv` (or an empty one) is a dense net. */
export interface ConvSpec {
  conv?: ConvLayer[];
  /** Max-pooling window and stride after each conv layer; 1 means no pooling. */
  pool?: number;
}

export const DEFAULT_POOL = 2;
export const MAX_CONV_LAYERS = 16;
export const MAX_FILTERS = 1024;
export const MAX_KERNEL_SIZE = 32;
export const MAX_POOL = 16;
/** Values of one batch's conv activations: 2^28 float32 values are 1 GiB, kept for the backward pass. */
export const MAX_CONV_ACTIVATIONS = 2 ** 28;

export function hasConv(spec: ConvSpec): spec is ConvSpec & { conv: ConvLayer[] } {
  return spec.conv !== undefined && spec.conv.length > 0;
}

/**
 * Whether a grid value is one conv architecture (`[[32, 3], [64, 3]]`, or `[]` for none) rather
 * than a list of them (`[[[32, 3]], [[32, 3], [64, 3]]]`): its first item is a list of numbers.
 */
export function isConvArchitecture(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  const first: unknown = value[0];
  return value.length === 0 || (Array.isArray(first) && first.length > 0 && first.every((v) => typeof v === 'number'));
}

export function checkConv(value: unknown, field: string): asserts value is ConvLayer[] {
  if (!Array.isArray(value)) {
    throw new ConfigError(
      `${field}: expected a list of [filters, kernelSize] pairs such as [[32, 3], [64, 3]], but got ${describe(value)}.`,
    );
  }
  if (value.length > MAX_CONV_LAYERS) {
    throw new ConfigError(`${field}: expected at most ${MAX_CONV_LAYERS} conv layers, but got ${value.length}.`);
  }
  value.forEach((layer, i) => {
    const pair = Array.isArray(layer) && layer.length === 2 && layer.every((v) => Number.isInteger(v) && v >= 1);
    if (!pair) {
      throw new ConfigError(
        `${field}[${i}]: expected [filters, kernelSize], two positive integers such as [32, 3], but got ${describe(layer)}.`,
      );
    }
    const [filters, kernel] = layer as ConvLayer;
    if (filters > MAX_FILTERS)
      throw new ConfigError(`${field}[${i}]: expected at most ${MAX_FILTERS} filters, but got ${filters}.`);
    if (kernel > MAX_KERNEL_SIZE)
      throw new ConfigError(`${field}[${i}]: expected a kernel size of at most ${MAX_KERNEL_SIZE}, but got ${kernel}.`);
  });
}

export function checkPool(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_POOL) {
    throw new ConfigError(
      `${field}: expected a pooling size, an integer from 1 (no pooling) to ${MAX_POOL}, but got ${describe(value)}.`,
    );
  }
}

/** The side of the square single-channel image a flat input of `inputSize` values holds (784 → 28). */
export function imageSide(inputSize: number): number {
  const side = Math.round(Math.sqrt(inputSize));
  if (side * side !== inputSize) {
    throw new ConfigError(
      `conv layers need square single-channel images, but the data has ${inputSize} values per sample (not a square number).`,
    );
  }
  return side;
}

/** One conv block's sizes: input side and channels, the conv output side, the pooled side. */
export interface ConvBlock {
  inSide: number;
  inChannels: number;
  filters: number;
  kernel: number;
  convSide: number;
  pooledSide: number;
}

/**
 * Every block's sizes on the run's image; a ConfigError when the image shrinks below 1×1
 * (a kernel larger than what is left, or pooling a side smaller than the window).
 */
export function convBlocks(spec: ConvSpec, inputSize: number): ConvBlock[] {
  if (!hasConv(spec)) return [];
  const pool = spec.pool ?? DEFAULT_POOL;
  const inputSide = imageSide(inputSize);
  let side = inputSide;
  let channels = 1;
  return spec.conv.map(([filters, kernel], i) => {
    const convSide = side - kernel + 1;
    const pooledSide = Math.floor(convSide / pool);
    if (convSide < 1 || pooledSide < 1) {
      const what =
        convSide < 1
          ? `its ${kernel}×${kernel} kernel does not fit the ${side}×${side} image left`
          : `${pool}×${pool} pooling of its ${convSide}×${convSide} output leaves nothing`;
      throw new ConfigError(
        `conv ${describe(spec.conv)} with pool ${pool}: conv layer ${i + 1} (${describe([filters, kernel])}) shrinks the ${inputSide}×${inputSide} input to nothing (${what}); expected layers that leave at least 1×1.`,
      );
    }
    const block = { inSide: side, inChannels: channels, filters, kernel, convSide, pooledSide };
    side = pooledSide;
    channels = filters;
    return block;
  });
}

/** Values per sample entering the dense head: the flattened conv output, or the input itself for a dense net. */
export function headInputSize(spec: ConvSpec, inputSize: number): number {
  const blocks = convBlocks(spec, inputSize);
  const last = blocks[blocks.length - 1];
  return last === undefined ? inputSize : last.pooledSide * last.pooledSide * last.filters;
}

/** Weights of the conv layers: a kernel of k·k·Cin·filters and a bias of filters each. */
export function convParams(spec: ConvSpec, inputSize: number): number {
  return convBlocks(spec, inputSize).reduce(
    (n, b) => n + b.kernel * b.kernel * b.inChannels * b.filters + b.filters,
    0,
  );
}

/**
 * FLOPs of one sample's training step in the conv layers: forward, input gradient and filter
 * gradient each cost 2 FLOPs per multiply-add of the convolution (k·k·Cin·filters per output pixel).
 */
export function convTrainingFlops(spec: ConvSpec, inputSize: number): number {
  return convBlocks(spec, inputSize).reduce(
    (n, b) => n + 6 * b.kernel * b.kernel * b.inChannels * b.filters * b.convSide * b.convSide,
    0,
  );
}

/**
 * Checks a run's conv layers on its input before anything is built: the image must not shrink
 * to nothing, and one batch's conv activations (kept for the backward pass) must stay within
 * MAX_CONV_ACTIVATIONS.
 */
export function checkConvRun(run: ConvSpec & { batchSize: number }, inputSize: number, where: string): void {
  let blocks: ConvBlock[];
  try {
    blocks = convBlocks(run, inputSize);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${where}: ${error.message}`);
    throw error;
  }
  const perSample = blocks.reduce((n, b) => n + b.filters * (b.convSide ** 2 + b.pooledSide ** 2), 0);
  if (perSample * run.batchSize > MAX_CONV_ACTIVATIONS) {
    throw new ConfigError(
      `${where}: conv ${describe(run.conv)} at batch size ${run.batchSize} keeps ${(perSample * run.batchSize).toLocaleString('en-US')} activation values per batch; expected at most ${MAX_CONV_ACTIVATIONS.toLocaleString('en-US')} (1 GiB): lower the batch size or the filters.`,
    );
  }
}

/** `conv 32@3×3-64@3×3 pool 2`, for the architecture column of the report. */
export function describeConv(spec: ConvSpec): string {
  if (!hasConv(spec)) return '';
  const layers = spec.conv.map(([f, k]) => `${f}@${k}×${k}`).join('-');
  const pool = spec.pool ?? DEFAULT_POOL;
  return `conv ${layers}${pool > 1 ? ` pool ${pool}` : ''}`;
}

/** Run-id parts: `c32k3-64k3` (`dense` for none) and `p2`. */
export function convLabel(spec: ConvSpec): string {
  return hasConv(spec) ? `c${spec.conv.map(([f, k]) => `${f}k${k}`).join('-')}` : 'dense';
}
