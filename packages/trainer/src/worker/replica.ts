import { modelFromJSON, SeededRandom, tf, type CallContext, type LayersModel } from '@fnn/core';
import { computeLossAndMetrics, readLogs, type SerializedCompileArgs } from '@fnn/core/training';
import { Dataset, permutation, shardRanges } from '@fnn/data';
import type { ReplicaReport, ReplicaSpec, ReplicaTask } from '../messages.js';
import { Barrier } from '../shared-memory/barrier.js';
import { Command, Ctrl, type SharedViews } from '../shared-memory/layout.js';
import { waitWhileEqual } from '../shared-memory/wait.js';
import { injectFault } from '../testing/fault-injection.js';
import { assertLayoutMatches, copyWeightsIn, copyWeightsOut } from '../weight-layout.js';
import { DataParallelStep } from './data-parallel-step.js';
import type { ReplicaStep, ReplicaStepOptions } from './replica-step.js';
import { ShardReader } from './shards.js';
import { SingleWorkerStep } from './single-worker-step.js';
import { StepTimer } from './step-timer.js';

/**
 * One worker's replica of the model and the loop it runs for a whole `fit`: it waits for the
 * main thread's commands (run an epoch, validate, finish) and, in an epoch, takes each granted
 * step on its shard of the batch — alone (SingleWorkerStep) or with the other workers
 * (DataParallelStep), after which every replica holds the same new weights.
 */
export class Replica {
  private readonly worker: number;
  private readonly workers: number;
  private readonly model: LayersModel;
  private readonly train: Dataset;
  private readonly validation: Dataset | null;
  private readonly shards: ShardReader;
  /** Where commands end: every worker passes it once per command (and, with several, once per step). */
  private readonly barrier: Barrier;
  private readonly trainingStep: ReplicaStep;
  private readonly timer = new StepTimer();
  private stepsRun = 0;
  private identity: Uint32Array | undefined;
  private readonly tensorsAfterEpochs: number[] = [];

  constructor(
    task: ReplicaTask,
    private readonly spec: ReplicaSpec,
    private readonly shared: SharedViews,
    private readonly backend: string,
  ) {
    this.worker = task.workerIndex;
    this.workers = spec.workers;
    const owner = `worker ${this.worker}`;
    this.model = modelFromJSON(spec.topology as Parameters<typeof modelFromJSON>[0], owner);
    const { layout } = spec;
    assertLayoutMatches(this.model, layout, owner);
    copyWeightsIn(this.model.trainableWeights, layout.trainable, shared.params);
    copyWeightsIn(this.model.nonTrainableWeights, layout.nonTrainable, shared.params, layout.trainableSize);
    this.model.compile(spec.compileArgs as SerializedCompileArgs);
    this.train = Dataset.fromTransferable(task.train);
    this.validation = task.validation === null ? null : Dataset.fromTransferable(task.validation);
    this.shards = new ShardReader({ train: this.train, spec, shared, model: this.model, worker: this.worker });
    this.barrier = new Barrier({
      control: shared.control,
      countSlot: Ctrl.barrierCount,
      generationSlot: Ctrl.barrierGeneration,
      timeoutMs: spec.syncTimeoutMs,
      what: `${owner}: step barrier`,
      spinMs: spec.spinMs,
    });
    const options: ReplicaStepOptions = {
      model: this.model,
      spec,
      shared,
      worker: this.worker,
      barrier: this.barrier,
      timer: this.timer,
      iterations: Atomics.load(shared.control, Ctrl.optimizerIterations),
    };
    this.trainingStep = this.workers === 1 ? new SingleWorkerStep(options) : new DataParallelStep(options);
  }

  /** Signals readiness, then runs the main thread's commands until `finish`. */
  run(): ReplicaReport {
    const control = this.shared.control;
    Atomics.add(control, Ctrl.ready, 1);
    Atomics.add(control, Ctrl.events, 1);
    Atomics.notify(control, Ctrl.events);
    let seq = 0;
    for (;;) {
      // The main thread may run long callbacks between commands: no timeout here.
      waitWhileEqual({
        control,
        slot: Ctrl.commandSeq,
        value: seq,
        timeoutMs: Infinity,
        what: `worker ${this.worker}: waiting for a command`,
      });
      seq = Atomics.load(control, Ctrl.commandSeq);
      const command = Atomics.load(control, Ctrl.command);
      if (command === Command.finish) break;
      if (command === Command.runEpoch) this.runEpoch(Atomics.load(control, Ctrl.commandArg));
      else if (command === Command.validate) this.validate();
      else throw new Error(`worker ${this.worker}: unknown command ${command}`);
      this.barrier.wait(this.workers, () => {
        Atomics.store(control, Ctrl.commandDone, seq);
        Atomics.add(control, Ctrl.events, 1);
        Atomics.notify(control, Ctrl.events);
      });
    }
    const report: ReplicaReport = {
      workerIndex: this.worker,
      backend: this.backend,
      steps: this.stepsRun,
      timings: this.timer.timings,
      tensorsAfterEpochs: this.tensorsAfterEpochs,
    };
    if (this.spec.testHooks?.returnReplicaWeights) report.weights = this.allWeights();
    return report;
  }

  dispose(): void {
    this.model.dispose();
  }

  private runEpoch(epoch: number): void {
    const size = this.train.size;
    if (!this.spec.shuffle) this.identity ??= Uint32Array.from({ length: size }, (_, i) => i);
    const order = this.spec.shuffle ? permutation(size, this.spec.seed, epoch) : this.identity!;
    const batchSize = this.spec.batchSize;
    const steps = Math.ceil(size / batchSize);
    let done = 0;
    for (let step = 0; step < steps; step++) {
      // The main thread grants steps: all of an epoch at once, or one at a time when callbacks
      // act on batches (so that stopTraining takes effect exactly where model.fit's would).
      if (!this.awaitGrant()) break;
      injectFault(this.spec.testHooks?.faultInjection, this.worker, this.stepsRun);
      const batch = order.subarray(step * batchSize, Math.min((step + 1) * batchSize, size));
      const stop = this.trainingStep.run(this.shards.shard(batch, epoch, step));
      done++;
      this.stepsRun++;
      if (stop) break;
    }
    if (this.worker === 0) {
      // Every replica holds the same weights: worker 0 publishes what is not in shared memory yet.
      const iterations = this.trainingStep.publishState();
      const { layout } = this.spec;
      copyWeightsOut(this.model.nonTrainableWeights, layout.nonTrainable, this.shared.params, layout.trainableSize);
      Atomics.store(this.shared.control, Ctrl.optimizerIterations, iterations);
      Atomics.store(this.shared.control, Ctrl.epochSteps, done);
    }
    this.tensorsAfterEpochs.push(tf.memory().numTensors);
  }

  /**
   * Waits until the main thread grants the next step (true) or asks to stop (false). Grants are
   * checked first and never withdrawn, and the main thread grants nothing after a stop request,
   * so every worker reaches the same answer.
   */
  private awaitGrant(): boolean {
    const control = this.shared.control;
    const stop = () => this.shared.stopRequested;
    for (;;) {
      const grant = Atomics.load(control, Ctrl.stepGrant);
      if (grant > this.stepsRun) return true;
      if (stop()) return false;
      waitWhileEqual({
        control,
        slot: Ctrl.stepGrant,
        value: grant,
        timeoutMs: Infinity,
        what: `worker ${this.worker}: waiting for the next step`,
        stop,
      });
    }
  }

  /** Sums of loss and metrics over this worker's contiguous part of the validation set. */
  private validate(): void {
    const data = this.validation!;
    const { start, end } = shardRanges(data.size, this.workers)[this.worker]!;
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
      data.gatherInto(part, x, y);
      const logs = tf.tidy(() => {
        const { xs, ys } = this.shards.tensorsOf(x, y, part.length);
        return readLogs(compiled, computeLossAndMetrics(this.model, xs, ys, context));
      });
      keys.forEach((key, i) => {
        sums[i]! += part.length * logs[key]!;
      });
    }
    const at = this.worker * (keys.length + 1);
    this.shared.validationStats.set(sums, at);
    this.shared.validationStats[at + keys.length] = indices.length;
  }

  /** All of this replica's weights, trainable then non-trainable, in layout order. */
  private allWeights(): Float32Array {
    const { layout } = this.spec;
    const weights = new Float32Array(layout.trainableSize + layout.nonTrainableSize);
    copyWeightsOut(this.model.trainableWeights, layout.trainable, weights);
    copyWeightsOut(this.model.nonTrainableWeights, layout.nonTrainable, weights, layout.trainableSize);
    return weights;
  }
}
