import {
  computeGradients,
  computeLossAndMetrics,
  mixSeeds,
  modelFromJSON,
  readLogs,
  SeededRandom,
  stepSeed,
  tf,
  type CallContext,
  type LayersModel,
  type LayerWeight,
  type Optimizer,
  type SerializedCompileArgs,
  type Tensor,
} from '@fnn/core';
import { Dataset, permutation, shardRanges } from '@fnn/data';
import { AllReduce } from './all-reduce.js';
import { Barrier, waitWhileEqual } from './barrier.js';
import type { ReplicaReport, ReplicaSpec, ReplicaTask, ReplicaTimings } from './messages.js';
import { GradientExchange } from './gradient-exchange.js';
import { readOptimizerState, writeOptimizerState } from './optimizer-slots.js';
import { splitColumns } from './sample-layout.js';
import { Command, Ctrl, type SharedViews } from './shared-memory.js';
import { aliasWeights, assertLayoutMatches, copyWeightsIn, copyWeightsOut, tensorValues } from './weight-layout.js';

/**
 * One worker's copy of the model and its part of every step: the gradient of its shard, then,
 * through GradientExchange, its share of summing all shards' gradients and of the optimizer
 * update of the one shared parameter vector (ZeRO stage 1: the optimizer state is split, not
 * copied), after which every replica continues from the same new weights.
 */
export class Replica {
  private readonly k: number;
  private readonly w: number;
  private readonly model: LayersModel;
  private readonly train: Dataset;
  private readonly validation: Dataset | null;
  private readonly barrier: Barrier;
  private readonly allReduce: AllReduce | null;
  private readonly trainable: LayerWeight[];
  private readonly nonTrainable: LayerWeight[];
  private readonly optimizer: Optimizer;
  /** Several workers: the step's exchange of gradients and updates through shared memory (null for one). */
  private readonly exchange: GradientExchange | null;
  /** Index of each trainable weight in the layout (the gradient hook names weights). */
  private readonly weightIndex: Map<LayerWeight, number>;
  /** The replica computes with the shared parameters themselves (cpu-like backends): nothing to copy after an update. */
  private readonly aliased: boolean;
  /** Optimizer steps taken (Keras's `iterations`), counted alike by every worker. */
  private iterations: number;
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private readonly splitX: Float32Array[];
  private readonly splitY: Float32Array[];
  private stepsRun = 0;
  private identity: Uint32Array | undefined;
  private readonly timings: ReplicaTimings = { steps: 0, computeMs: 0, exchangeMs: 0, waitMs: 0, applyMs: 0 };
  private readonly tensorsAfterEpochs: number[] = [];

  constructor(
    task: ReplicaTask,
    private readonly spec: ReplicaSpec,
    private readonly shared: SharedViews,
    private readonly backend: string,
  ) {
    this.k = task.workerIndex;
    this.w = spec.workers;
    const owner = `worker ${this.k}`;
    this.model = modelFromJSON(spec.topology as Parameters<typeof modelFromJSON>[0], owner);
    assertLayoutMatches(this.model, spec.layout, owner);
    this.trainable = this.model.trainableWeights;
    this.nonTrainable = this.model.nonTrainableWeights;
    copyWeightsIn(this.trainable, spec.layout.trainable, shared.params);
    copyWeightsIn(this.nonTrainable, spec.layout.nonTrainable, shared.params, spec.layout.trainableSize);
    this.model.compile(spec.compileArgs as SerializedCompileArgs);
    this.optimizer = this.model.compiled!.optimizer;
    this.iterations = Atomics.load(shared.control, Ctrl.optimizerIterations);
    this.train = Dataset.fromTransferable(task.train);
    this.validation = task.validation === null ? null : Dataset.fromTransferable(task.validation);
    this.barrier = new Barrier(
      shared.control,
      Ctrl.barrierCount,
      Ctrl.barrierGeneration,
      spec.syncTimeoutMs,
      `${owner}: step barrier`,
      spec.spinMs,
    );
    this.allReduce = spec.syncBatchNorm && this.w > 1 ? new AllReduce(shared, this.k, spec.syncTimeoutMs) : null;
    this.weightIndex = new Map(this.trainable.map((weight, i) => [weight, i]));
    if (this.w === 1) {
      // One worker applies its gradients with the model's own optimizer (its fastest path).
      this.optimizer.setState(readOptimizerState(this.optimizer, this.iterations, spec.layout, shared.optimizerSlots));
      this.aliased = false;
      this.exchange = null;
    } else {
      this.aliased = aliasWeights(this.trainable, spec.layout.trainable, shared.params);
      this.exchange = new GradientExchange(
        shared,
        spec.layout,
        this.optimizer,
        this.k,
        spec.syncTimeoutMs,
        spec.spinMs,
        this.timings,
      );
    }
    // Room for the largest shard of a batch, reused at every step.
    const rows = Math.ceil(spec.batchSize / this.w);
    this.x = new Float32Array(rows * this.train.featureSize);
    this.y = new Float32Array(rows * this.train.labelSize);
    // Several inputs or targets: one buffer each for the split rows (validation takes whole batches).
    const scratch = (shapes: number[][]) =>
      shapes.length > 1 ? shapes.map((shape) => new Float32Array(spec.batchSize * tf.util.sizeFromShape(shape))) : [];
    this.splitX = scratch(spec.sampleLayout.inputs);
    this.splitY = scratch(spec.sampleLayout.outputs);
  }

  /** Signals readiness, then runs the main thread's commands until `finish`. */
  run(): ReplicaReport {
    const c = this.shared.control;
    Atomics.add(c, Ctrl.ready, 1);
    Atomics.add(c, Ctrl.events, 1);
    Atomics.notify(c, Ctrl.events);
    let seq = 0;
    for (;;) {
      // The main thread may run long callbacks between commands: no timeout here.
      waitWhileEqual(c, Ctrl.commandSeq, seq, Infinity, `worker ${this.k}: waiting for a command`);
      seq = Atomics.load(c, Ctrl.commandSeq);
      const command = Atomics.load(c, Ctrl.command);
      if (command === Command.finish) break;
      if (command === Command.runEpoch) this.runEpoch(Atomics.load(c, Ctrl.commandArg));
      else if (command === Command.validate) this.validate();
      else throw new Error(`worker ${this.k}: unknown command ${command}`);
      this.barrier.wait(this.w, () => {
        Atomics.store(c, Ctrl.commandDone, seq);
        Atomics.add(c, Ctrl.events, 1);
        Atomics.notify(c, Ctrl.events);
      });
    }
    const report: ReplicaReport = {
      workerIndex: this.k,
      backend: this.backend,
      steps: this.stepsRun,
      timings: this.timings,
      tensorsAfterEpochs: this.tensorsAfterEpochs,
    };
    if (this.spec.returnReplicaWeights) {
      const { layout } = this.spec;
      const weights = new Float32Array(layout.trainableSize + layout.nonTrainableSize);
      copyWeightsOut(this.trainable, layout.trainable, weights);
      copyWeightsOut(this.nonTrainable, layout.nonTrainable, weights, layout.trainableSize);
      report.weights = weights;
    }
    return report;
  }

  dispose(): void {
    this.model.dispose();
  }

  private runEpoch(epoch: number): void {
    const c = this.shared.control;
    const n = this.train.size;
    const order = this.spec.shuffle
      ? permutation(n, this.spec.seed, epoch)
      : (this.identity ??= Uint32Array.from({ length: n }, (_, i) => i));
    const b = this.spec.batchSize;
    const steps = Math.ceil(n / b);
    let done = 0;
    for (let s = 0; s < steps; s++) {
      // The main thread grants steps: all of an epoch at once, or one at a time when callbacks
      // act on batches (so that stopTraining takes effect exactly where model.fit's would).
      if (!this.awaitGrant()) break;
      this.maybeFail();
      const stop = this.step(order.subarray(s * b, Math.min((s + 1) * b, n)), epoch, s);
      done++;
      this.stepsRun++;
      if (stop) break;
    }
    if (this.k === 0) {
      // Every replica holds the same weights: worker 0 publishes what is not in shared memory yet.
      const { layout } = this.spec;
      if (this.w === 1) {
        copyWeightsOut(this.trainable, layout.trainable, this.shared.params);
        writeOptimizerState(this.optimizer, this.optimizer.stateViews(), layout, this.shared.optimizerSlots);
        this.iterations = this.optimizer.iterations;
      }
      copyWeightsOut(this.nonTrainable, layout.nonTrainable, this.shared.params, layout.trainableSize);
      Atomics.store(c, Ctrl.optimizerIterations, this.iterations);
      Atomics.store(c, Ctrl.epochSteps, done);
    }
    this.tensorsAfterEpochs.push(tf.memory().numTensors);
  }

  /**
   * Waits until the main thread grants the next step (true) or asks to stop (false). Grants are
   * checked first and never withdrawn, and the main thread grants nothing after a stop request,
   * so every worker reaches the same answer.
   */
  private awaitGrant(): boolean {
    const c = this.shared.control;
    const stopRequested = () => Atomics.load(c, Ctrl.stopRequest) === 1;
    for (;;) {
      const grant = Atomics.load(c, Ctrl.stepGrant);
      if (grant > this.stepsRun) return true;
      if (stopRequested()) return false;
      waitWhileEqual(c, Ctrl.stepGrant, grant, Infinity, `worker ${this.k}: waiting for the next step`, stopRequested);
    }
  }

  /**
   * One synchronous step on `batch` (the `s`-th of the epoch); returns whether to stop after it
   * (a stop request, or a non-finite loss, in which case no replica applies the update).
   */
  private step(batch: Uint32Array, epoch: number, s: number): boolean {
    const { shared, k, w } = this;
    const { layout } = this.spec;
    const c = shared.control;
    const ranges = shardRanges(batch.length, w);
    const mine = ranges[k]!;
    const rows = mine.end - mine.start;
    const compiled = this.model.compiled!;
    const at = shared.statsOffset(s, k);
    const exchange = this.exchange;
    const counts = ranges.map((r) => r.end - r.start);
    exchange?.beginStep(counts);
    this.allReduce?.beginStep(Math.min(w, batch.length));
    const t = this.timings;
    t.steps++;
    const started = performance.now();
    const exchangedBefore = t.exchangeMs;
    let applyMs = 0;
    if (rows > 0) {
      this.train.gatherInto(batch.subarray(mine.start, mine.end), this.x, this.y);
      const seed = stepSeed(this.spec.seed, epoch, s);
      // One worker draws dropout masks exactly as model.fit does; several draw distinct streams.
      const context: CallContext = { training: true, random: new SeededRandom(w === 1 ? seed : mixSeeds(seed, k)) };
      if (this.allReduce) Object.assign(context, { allReduceSum: this.allReduce.sum, syncBatchNorm: true });
      tf.tidy(() => {
        const { xs, ys } = this.tensorsOf(this.x, this.y, rows);
        const writeStats = (loss: Tensor, metrics: Record<string, Tensor>) => {
          const logs = readLogs(compiled, { loss, ...metrics });
          this.spec.logKeys.forEach((key, i) => (shared.stats[at + i] = logs[key]!));
        };
        if (exchange === null) {
          const { loss, metrics, gradients } = computeGradients(this.model, xs, ys, context);
          writeStats(loss, metrics);
          const before = performance.now();
          if (Number.isFinite(shared.stats[at]!)) compiled.optimizer.applyGradients(this.trainable, gradients);
          applyMs = performance.now() - before;
          return;
        }
        // Several workers: each gradient goes to shared memory as soon as the backward pass has it,
        // written there by the layer itself where the backend can (fused native Dense).
        context.gradientOutput = (weight) => {
          const index = this.weightIndex.get(weight);
          return index === undefined ? undefined : exchange.gradientOutput(index);
        };
        const { gradients } = computeGradients(this.model, xs, ys, context, {
          afterLoss: (loss, metrics) => {
            writeStats(loss, metrics);
            exchange.publishStats();
          },
          onWeightGradient: (weight, gradient) =>
            exchange.publishWeight(this.weightIndex.get(weight)!, tensorValues(gradient)),
        });
        exchange.publishRest((i) => tensorValues(gradients[i]!));
        if (layout.nonTrainableSize > 0)
          copyWeightsOut(this.nonTrainable, layout.nonTrainable, shared.nonTrainable, k * layout.nonTrainableSize);
        exchange.publishNonTrainable();
      });
    }
    // Compute includes gathering the shard and freeing the step's tensors, not the gradient copies
    // (the exchange counted those in exchangeMs).
    t.computeMs += performance.now() - started - (t.exchangeMs - exchangedBefore) - applyMs;
    t.applyMs += applyMs;
    if (exchange === null) {
      this.signalStep();
      return Atomics.load(c, Ctrl.stopRequest) === 1 || !Number.isFinite(shared.stats[at]!);
    }
    // Every worker reads the same shard losses: they agree on skipping a non-finite step.
    const finite = exchange.combine(this.iterations + 1, () => {
      let loss = 0;
      counts.forEach((count, j) => (loss += count > 0 ? count * shared.stats[shared.statsOffset(s, j)]! : 0));
      return Number.isFinite(loss);
    });
    if (finite) this.iterations++;
    const clock = performance.now();
    this.barrier.wait(w, () => {
      exchange.reset();
      Atomics.store(c, Ctrl.stopDecided, Atomics.load(c, Ctrl.stopRequest));
      this.signalStep();
    });
    const released = performance.now();
    t.waitMs += released - clock;
    if (!finite) return true;
    if (!this.aliased) copyWeightsIn(this.trainable, layout.trainable, shared.params);
    if (layout.nonTrainableSize > 0) copyWeightsIn(this.nonTrainable, layout.nonTrainable, shared.nonTrainableAverage);
    t.applyMs += performance.now() - released;
    return Atomics.load(c, Ctrl.stopDecided) === 1;
  }

  /**
   * Counts one more completed step; wakes the main thread only when it waits for this one (it
   * sleeps through free-running epochs rather than taking a core from a worker at every step).
   */
  private signalStep(): void {
    const c = this.shared.control;
    const done = Atomics.add(c, Ctrl.stepsDone, 1) + 1;
    if (done < Atomics.load(c, Ctrl.wakeAt)) return;
    Atomics.add(c, Ctrl.events, 1);
    Atomics.notify(c, Ctrl.events);
  }

  /** Sums of loss and metrics over this worker's contiguous part of the validation set. */
  private validate(): void {
    const data = this.validation!;
    const { start, end } = shardRanges(data.size, this.w)[this.k]!;
    const keys = this.spec.logKeys;
    const sums = new Float64Array(keys.length);
    // Inference only: whole batches per worker (fewer, larger matmuls).
    const rows = this.spec.batchSize;
    const context: CallContext = { training: false, random: new SeededRandom(0) };
    const x = new Float32Array(rows * data.featureSize);
    const y = new Float32Array(rows * data.labelSize);
    const indices = Uint32Array.from({ length: end - start }, (_, i) => start + i);
    const compiled = this.model.compiled!;
    for (let at = 0; at < indices.length; at += rows) {
      const part = indices.subarray(at, Math.min(at + rows, indices.length));
      const n = part.length;
      data.gatherInto(part, x, y);
      const logs = tf.tidy(() => {
        const { xs, ys } = this.tensorsOf(x, y, n);
        return readLogs(compiled, computeLossAndMetrics(this.model, xs, ys, context));
      });
      keys.forEach((key, i) => (sums[i]! += n * logs[key]!));
    }
    const at = this.k * (keys.length + 1);
    this.shared.validationStats.set(sums, at);
    this.shared.validationStats[at + keys.length] = indices.length;
  }

  /** The model's input and target tensors for `rows` gathered rows (inside a tidy). */
  private tensorsOf(x: Float32Array, y: Float32Array, rows: number): { xs: Tensor[]; ys: Tensor[] } {
    const { inputs, outputs } = this.spec.sampleLayout;
    const make = (parts: Float32Array[], shapes: number[][]) =>
      parts.map((values, i) => tf.tensor(values, [rows, ...shapes[i]!], 'float32'));
    return {
      xs: make(splitColumns(x, rows, inputs, this.splitX), inputs),
      ys: make(splitColumns(y, rows, outputs, this.splitY), outputs),
    };
  }

  private maybeFail(): void {
    const fault = this.spec.faultInjection;
    if (fault === undefined || fault.worker !== this.k || fault.atStep !== this.stepsRun) return;
    if (fault.kind === 'exit') process.exit(3);
    if (fault.kind === 'oom') {
      // Grows the JavaScript heap (which resourceLimits caps) in 512 KB steps: gradual growth
      // lets Node end just this thread; one allocation larger than the whole limit aborts the process.
      const hog: number[][] = [];
      for (;;) hog.push(new Array<number>(1 << 16).fill(1.5));
    }
    throw new Error(`injected fault at step ${this.stepsRun}`);
  }
}
