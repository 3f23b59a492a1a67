import { tf, type Tensor } from '../tf.js';
import { ValueError, describeValue } from '../errors.js';
import { formatShape, type Shape } from '../shape.js';
import type { CallContext } from '../engine/context.js';
import { FUSED, hasFused, runFused } from '../engine/fused.js';
import {
  getInitializer,
  serializeInitializer,
  type Initializer,
  type InitializerIdentifier,
} from '../initializers/index.js';
import { Layer, type CallResult, type LayerArgs, type LayerGradients } from './layer.js';
import type { LayerWeight } from './layer-weight.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The features axis (normalized separately); the others are reduced. Default -1 (last). */
  axis?: number;
  /** Moving statistics decay: `moving = moving * momentum + batch * (1 - momentum)`. Default 0.99. */
  momentum?: number;
  /** Added to the variance before the square root. Default 0.001. */
  epsilon?: number;
  /** Whether to add the learned offset `beta`. Default true. */
  center?: boolean;
  /** Whether to multiply by the learned scale `gamma`. Default true. */
  scale?: boolean;
  /** Default zeros. */
  betaInitializer?: InitializerIdentifier | Initializer;
  /** Default ones. */
  gammaInitializer?: InitializerIdentifier | Initializer;
  /** Default zeros. */
  movingMeanInitializer?: InitializerIdentifier | Initializer;
  /** Default ones. */
  movingVarianceInitializer?: InitializerIdentifier | Initializer;
}

/** What a training call keeps: the normalized input and 1 / std, shaped to broadcast against the input. */
interface TrainingSaved {
  xhat: Tensor;
  invStd: Tensor;
  /** Samples per feature the statistics came from (the global batch under synchronized BN). */
  count: number;
  sync: boolean;
  training: boolean;
}

/** The fused kernels' path (local statistics over all axes but the last). */
interface FusedSaved {
  x: Tensor;
  mean: Tensor;
  invStd: Tensor;
  training: true;
  fused: true;
}

/** An inference call keeps its inputs only; backward through it is rare. */
interface InferenceSaved {
  x: Tensor;
  mean: Tensor;
  variance: Tensor;
  training: false;
}

/**
 * Normalizes each feature with the batch's mean and variance in training (updating moving
 * averages of both) and with the moving averages in inference, then scales and shifts it.
 * As tfjs-layers does, the moving variance tracks the biased batch variance (Keras 2 rescales
 * it by n / (n - 1) first).
 */
export class BatchNormalization extends Layer {
  static override className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  gamma: LayerWeight | undefined;
  beta: LayerWeight | undefined;
  movingMean: LayerWeight | undefined;
  movingVariance: LayerWeight | undefined;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    const owner = `BatchNormalization ${this.name}`;
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis))
      throw new ValueError(`${owner}: expected axis to be an integer, but got ${describeValue(args.axis)}.`);
    this.momentum = args.momentum ?? 0.99;
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new ValueError(`${owner}: expected momentum in [0, 1], but got ${describeValue(args.momentum)}.`);
    }
    this.epsilon = args.epsilon ?? 1e-3;
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0)) {
      throw new ValueError(
        `${owner}: expected epsilon to be a positive number, but got ${describeValue(args.epsilon)}.`,
      );
    }
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = getInitializer(args.betaInitializer ?? 'zeros', owner);
    this.gammaInitializer = getInitializer(args.gammaInitializer ?? 'ones', owner);
    this.movingMeanInitializer = getInitializer(args.movingMeanInitializer ?? 'zeros', owner);
    this.movingVarianceInitializer = getInitializer(args.movingVarianceInitializer ?? 'ones', owner);
  }

  override build(inputShapes: Shape[]): void {
    const shape = inputShapes[0]!;
    const axis = this.resolveAxis(shape.length);
    const features = shape[axis];
    if (features === null || features === undefined) {
      throw new ValueError(
        `BatchNormalization ${this.name}: expected axis ${this.axis} of the input to have a known size, but got input shape ${formatShape(shape)}.`,
      );
    }
    if (this.scale) this.gamma = this.addWeight('gamma', [features], this.gammaInitializer);
    if (this.center) this.beta = this.addWeight('beta', [features], this.betaInitializer);
    this.movingMean = this.addWeight('moving_mean', [features], this.movingMeanInitializer, false);
    this.movingVariance = this.addWeight('moving_variance', [features], this.movingVarianceInitializer, false);
    super.build(inputShapes);
  }

  computeOutputShape(inputShapes: Shape[]): Shape {
    this.resolveAxis(inputShapes[0]!.length);
    return inputShapes[0]!;
  }

  call(inputs: Tensor[], context: CallContext): CallResult {
    const x = inputs[0]!;
    const { reductionAxes, paramShape, count } = this.geometry(x.shape);
    const param = (w: LayerWeight | undefined) =>
      w === undefined ? undefined : paramShape === null ? w.read() : tf.reshape(w.read(), paramShape);
    const gamma = param(this.gamma);
    const beta = param(this.beta);
    if (!context.training) {
      const mean = param(this.movingMean)!;
      const variance = param(this.movingVariance)!;
      const saved: InferenceSaved = { x, mean, variance, training: false };
      // tf.batchNorm's kernels (cpu, wasm) broadcast the statistics along the last axis only.
      if (paramShape === null) return { output: tf.batchNorm(x, mean, variance, beta, gamma, this.epsilon), saved };
      const scaled = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      const output = gamma ? tf.mul(scaled, gamma) : scaled;
      return { output: beta ? tf.add(output, beta) : output, saved };
    }
    const sync = context.syncBatchNorm === true && context.allReduceSum !== undefined;
    // Where the backend has the fused kernels (native), the local-statistics case is two native
    // passes instead of ~15 tfjs ops.
    if (!sync && paramShape === null && x.dtype === 'float32' && hasFused(FUSED.batchNormTrain)) {
      const params = { ...(gamma ? { gamma } : {}), ...(beta ? { beta } : {}) };
      const [y, mean, variance, invStd] = runFused(FUSED.batchNormTrain, { x, ...params }, { epsilon: this.epsilon });
      this.updateMovingAverage(this.movingMean!, mean!);
      this.updateMovingAverage(this.movingVariance!, variance!);
      return {
        output: y!,
        saved: { x, mean: mean!, invStd: invStd!, training: true, fused: true } satisfies FusedSaved,
      };
    }
    const stats = sync
      ? this.globalMoments(x, reductionAxes, paramShape, context)
      : this.localMoments(x, reductionAxes);
    const invStd = tf.rsqrt(tf.add(stats.variance, this.epsilon));
    const xhat = tf.mul(stats.centered, invStd);
    let output = gamma ? tf.mul(xhat, gamma) : xhat;
    if (beta) output = tf.add(output, beta);
    this.updateMovingAverage(this.movingMean!, stats.mean);
    this.updateMovingAverage(this.movingVariance!, stats.variance);
    const saved: TrainingSaved = { xhat, invStd, count: stats.count ?? count, sync, training: true };
    return { output, saved };
  }

  backward(dy: Tensor, saved: unknown, context: CallContext): LayerGradients {
    const { reductionAxes, paramShape } = this.geometry(dy.shape);
    if ((saved as FusedSaved).fused === true) {
      const { x, mean, invStd } = saved as FusedSaved;
      const gamma = this.gamma?.read();
      const [dx, dgamma, dbeta] = runFused(FUSED.batchNormTrainGrad, {
        dy,
        x,
        mean,
        invStd,
        ...(gamma ? { gamma } : {}),
      });
      return { inputs: [dx!], weights: [...(this.scale ? [dgamma!] : []), ...(this.center ? [dbeta!] : [])] };
    }
    let training: TrainingSaved;
    if ((saved as TrainingSaved | InferenceSaved).training) training = saved as TrainingSaved;
    else {
      // Rare (a model trained with frozen statistics): normalized by constants, dx = dy * gamma / std.
      const { x, mean, variance } = saved as InferenceSaved;
      const invStd = tf.rsqrt(tf.add(variance, this.epsilon));
      training = { xhat: tf.mul(tf.sub(x, mean), invStd), invStd, count: 0, sync: false, training: false };
    }
    const { xhat, invStd, count, sync } = training;
    const features = this.movingMean!.shape;
    const sumDy = tf.sum(dy, reductionAxes, true);
    const sumDyXhat = tf.sum(tf.mul(dy, xhat), reductionAxes, true);
    const weights: Tensor[] = [];
    if (this.scale) weights.push(tf.reshape(sumDyXhat, features));
    if (this.center) weights.push(tf.reshape(sumDy, features));
    const gammaInvStd = this.gamma
      ? tf.mul(paramShape === null ? this.gamma.read() : tf.reshape(this.gamma.read(), paramShape), invStd)
      : invStd;
    if (!training.training) return { inputs: [tf.mul(dy, gammaInvStd)], weights };
    // dx = gamma / std * (dy - mean(dy) - xhat * mean(dy * xhat)), the means over the (global) batch.
    let meanDy: Tensor;
    let meanDyXhat: Tensor;
    if (sync) {
      const c = features[0]!;
      const local = tf.concat([tf.reshape(sumDy, [c]), tf.reshape(sumDyXhat, [c])]).dataSync() as Float32Array;
      const global = context.allReduceSum!(`${this.name}/grad_stats`, local);
      const shape = sumDy.shape;
      meanDy = tf.tensor(
        global.subarray(0, c).map((v) => v / count),
        shape,
        'float32',
      );
      meanDyXhat = tf.tensor(
        global.subarray(c, 2 * c).map((v) => v / count),
        shape,
        'float32',
      );
    } else {
      meanDy = tf.div(sumDy, count);
      meanDyXhat = tf.div(sumDyXhat, count);
    }
    const dx = tf.mul(gammaInvStd, tf.sub(tf.sub(dy, meanDy), tf.mul(xhat, meanDyXhat)));
    return { inputs: [dx], weights };
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(this.betaInitializer),
      gammaInitializer: serializeInitializer(this.gammaInitializer),
      movingMeanInitializer: serializeInitializer(this.movingMeanInitializer),
      movingVarianceInitializer: serializeInitializer(this.movingVarianceInitializer),
      betaRegularizer: null,
      gammaRegularizer: null,
      betaConstraint: null,
      gammaConstraint: null,
    };
  }

  private resolveAxis(rank: number): number {
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (axis < 1 || axis >= rank) {
      throw new ValueError(
        `BatchNormalization ${this.name}: expected axis in [${1 - rank}, ${rank - 1}] (not the batch axis) for an input of rank ${rank}, but got ${this.axis}.`,
      );
    }
    return axis;
  }

  /** Reduced axes, the shape the per-feature tensors broadcast from (null when it is the last axis), samples per feature. */
  private geometry(shape: number[]): { reductionAxes: number[]; paramShape: number[] | null; count: number } {
    const axis = this.resolveAxis(shape.length);
    const reductionAxes = shape.map((_, i) => i).filter((i) => i !== axis);
    const paramShape = axis === shape.length - 1 ? null : shape.map((d, i) => (i === axis ? d : 1));
    const count = reductionAxes.reduce((n, i) => n * shape[i]!, 1);
    return { reductionAxes, paramShape, count };
  }

  private localMoments(
    x: Tensor,
    axes: number[],
  ): { mean: Tensor; variance: Tensor; centered: Tensor; count?: number } {
    const mean = tf.mean(x, axes, true);
    const centered = tf.sub(x, mean);
    return { mean, variance: tf.mean(tf.square(centered), axes, true), centered };
  }

  /**
   * Mean and biased variance over every replica's batch: one allreduce of
   * [count, sum(x - shift), sum((x - shift)^2)], shifted by the moving mean (the same on every
   * replica) so that E[d^2] - E[d]^2 does not cancel catastrophically.
   */
  private globalMoments(
    x: Tensor,
    axes: number[],
    paramShape: number[] | null,
    context: CallContext,
  ): { mean: Tensor; variance: Tensor; centered: Tensor; count: number } {
    const c = this.movingMean!.shape[0]!;
    const shiftValue = this.movingMean!.read();
    const shift = paramShape === null ? shiftValue : tf.reshape(shiftValue, paramShape);
    const d = tf.sub(x, shift);
    const local = new Float32Array(1 + 2 * c);
    local[0] = axes.reduce((n, i) => n * x.shape[i]!, 1);
    local.set(tf.concat([tf.sum(d, axes), tf.sum(tf.square(d), axes)]).dataSync() as Float32Array, 1);
    const global = context.allReduceSum!(`${this.name}/stats`, local);
    const count = global[0]!;
    const shiftData = shiftValue.dataSync();
    const meanValues = new Float32Array(c);
    const varianceValues = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      const meanD = global[1 + k]! / count;
      meanValues[k] = shiftData[k]! + meanD;
      varianceValues[k] = Math.max(global[1 + c + k]! / count - meanD * meanD, 0);
    }
    const statShape = paramShape ?? [c];
    const mean = tf.tensor(meanValues, statShape, 'float32');
    return { mean, variance: tf.tensor(varianceValues, statShape, 'float32'), centered: tf.sub(x, mean), count };
  }

  /** tfjs-layers' update, `moving - (moving - value) * (1 - momentum)`, on a per-feature value. */
  private updateMovingAverage(weight: LayerWeight, value: Tensor): void {
    tf.tidy(() => {
      const moving = weight.read();
      const batch = tf.reshape(value, moving.shape);
      weight.write(tf.sub(moving, tf.mul(tf.sub(moving, batch), 1 - this.momentum)));
    });
  }
}

export function batchNormalization(args?: BatchNormalizationArgs): BatchNormalization {
  return new BatchNormalization(args);
}
