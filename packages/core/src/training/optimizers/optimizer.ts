import type { Tensor, Variable } from '../../tf.js';
import { ValueError, describeValue } from '../../errors.js';
import type { LayerWeight } from '../../layers/layer-weight.js';
import { hasFused, type FusedKernel } from '../../engine/fused.js';
import { readFloat32, updateVariable, wasmHeap, type WasmHeap } from '../tensor-memory.js';
import { heapKernels, type HeapKernels } from './heap-kernels.js';
import { copySlots, SlotStore } from './slots.js';

/** What `getState` returns: the step count and every slot (Adam's m and v, ...) by weight name. */
export interface OptimizerState {
  className: string;
  iterations: number;
  slots: Record<string, Record<string, Float32Array>>;
}

/** An optimizer in serialized form: `{className: 'Adam', config: {learningRate: 0.001, ...}}`. */
export interface OptimizerConfig {
  className: string;
  config: Record<string, number | boolean>;
}

/** One weight's update in `updateValues`: its values, gradient and slots from index `from` on. */
export interface ValueStep {
  param: Float32Array;
  grad: Float32Array;
  slots: Float32Array[];
  /** The step's scalars (`coefficients`). */
  c: Record<string, number>;
  /** The first index to update (the SIMD kernel did the ones before). */
  from: number;
}

/** Byte offsets, on the wasm heap, of one weight's new values, current values, gradient and slots. */
export interface HeapPointers {
  out: number;
  param: number;
  grad: number;
  slots: number[];
}

/**
 * Base class of the optimizers. A subclass names its slots and updates one weight's values in a
 * single fused loop (`updateValues`, and optionally a SIMD `updateOnHeap` for wasm); the base
 * class keeps the slots per weight, counts steps and reaches the tensors' memory. The same
 * gradients from the same state give bit-identical updates.
 */
export abstract class Optimizer {
  static className: string;
  /** Number of `applyGradients` calls so far (Keras's `optimizer.iterations`). */
  iterations = 0;
  /** Per-weight state, in `slotNames` order. */
  private readonly slots = new SlotStore(this);
  /** Scratch heap memory for gradients given as arrays (`applyGradientArrays` on wasm). */
  private scratch: { heap: WasmHeap; pointer: number; size: number } | undefined;

  get className(): string {
    return (this.constructor as typeof Optimizer).className;
  }

  /** Names of the per-weight state arrays (`['m', 'v']` for Adam), the order of every `slots` list. */
  abstract get slotNames(): readonly string[];

  /** Value a slot starts from (Adagrad's accumulator starts at 0.1). */
  initialSlotValue(_slot: string): number {
    return 0;
  }

  /** Scalars shared by all weights in step `iteration` (1-based), e.g. Adam's bias correction; none by default. */
  protected coefficients(_iteration: number): Record<string, number> {
    return {};
  }

  /** Updates `param[from..]` in place from `grad`, reading and writing `slots`. */
  protected abstract updateValues(step: ValueStep): void;

  /**
   * The same update for the first `count` values (a multiple of 4) on the wasm heap, with SIMD
   * kernels, bit for bit. Optimizers without one run `updateValues` on every backend.
   */
  protected updateOnHeap?(kernels: HeapKernels, pointers: HeapPointers, count: number, c: Record<string, number>): void;

  /**
   * The fused kernel (engine/fused.ts) that updates all weights in one call where the active
   * backend registers it ('native'), run by `updateFused`; absent for optimizers without one.
   */
  protected readonly fusedUpdate?: FusedKernel;

  /**
   * The update through `fusedUpdate`, in place: `params` are arrays or the weights' variables
   * (the kernel updates their own memory), `grads` arrays or float32 tensors.
   */
  protected updateFused?(
    params: (Float32Array | Variable)[],
    grads: (Float32Array | Tensor)[],
    slots: Float32Array[][],
    iteration: number,
  ): void;

  private canUpdateFused(): boolean {
    return this.fusedUpdate !== undefined && this.updateFused !== undefined && hasFused(this.fusedUpdate);
  }

  abstract getConfig(): Record<string, number | boolean>;

  /** Applies one step to `weights` (each variable gets its new value); `gradients` align with them. */
  applyGradients(weights: LayerWeight[], gradients: Tensor[]): void {
    this.checkLengths(weights, gradients.length);
    gradients.forEach((g, i) => {
      this.checkSize(weights[i]!, g.size);
    });
    this.applyStep(weights, {
      fused: () => (gradients.every((g) => g.dtype === 'float32') ? gradients : null),
      heap: (heap, i) => (gradients[i]!.dtype === 'float32' ? heap.offsetOf(gradients[i]!) : undefined),
      values: (i) => readFloat32(gradients[i]!),
    });
  }

  /**
   * As `applyGradients`, with gradients as plain arrays (e.g. averaged by a data-parallel
   * trainer in shared memory): no tensor is created for them.
   */
  applyGradientArrays(weights: LayerWeight[], gradients: Float32Array[]): void {
    this.checkLengths(weights, gradients.length);
    gradients.forEach((g, i) => {
      this.checkSize(weights[i]!, g.length);
    });
    this.applyStep(weights, {
      fused: () => gradients,
      heap: (heap, i) => {
        const gradient = gradients[i]!;
        const pointer = this.scratchPointer(heap, gradient.length);
        heap.floats(pointer, gradient.length).set(gradient);
        return pointer;
      },
      values: (i) => gradients[i]!,
    });
  }

  /**
   * The update of step `iteration` (1-based) on plain arrays: `params` in place from `grads`,
   * reading and writing `slots` (in `slotNames` order). Every optimizer here is element-wise, so
   * any slice of a flattened parameter vector can be updated on its own, by any thread — how a
   * data-parallel trainer splits the update between its workers, with the state kept outside.
   * Neither counts iterations nor touches the optimizer's own state; same bits as `applyGradients`
   * on the same backend path (the fused kernel where registered, JavaScript elsewhere).
   */
  updateArrays(params: Float32Array, grads: Float32Array, slots: Float32Array[], iteration: number): void {
    const owner = `${this.className}.updateArrays`;
    if (!Number.isInteger(iteration) || iteration < 1)
      throw new ValueError(`${owner}: expected iteration to be an integer >= 1, but got ${describeValue(iteration)}.`);
    if (slots.length !== this.slotNames.length)
      throw new ValueError(
        `${owner}: expected ${this.slotNames.length} slot arrays (${this.slotNames.join(', ') || 'none'}), but got ${slots.length}.`,
      );
    for (const [what, array] of [
      ['grads', grads],
      ...slots.map((s, i) => [`slot ${this.slotNames[i]}`, s] as const),
    ] as const) {
      if (array.length !== params.length)
        throw new ValueError(
          `${owner}: expected ${what} to have ${params.length} values (as params), but got ${array.length}.`,
        );
    }
    if (this.canUpdateFused()) {
      this.updateFused!([params], [grads], [slots], iteration);
      return;
    }
    const c = this.coefficients(iteration);
    const heap = this.updateOnHeap !== undefined ? wasmHeap() : undefined;
    const kernels = heap && heapKernels(heap.memory);
    const count = params.length - (params.length % 4);
    if (!heap || !kernels || count === 0) {
      this.updateValues({ param: params, grad: grads, slots, c, from: 0 });
      return;
    }
    // On wasm the SIMD kernel runs ~10× faster than the JavaScript loop even with the arrays
    // copied through the heap (params, gradient and slots in; params and slots back out).
    const arrays = [params, grads, ...slots];
    const pointer = this.scratchPointer(heap, arrays.length * count);
    const pointers = arrays.map((_, k) => pointer + k * count * 4);
    arrays.forEach((array, k) => {
      heap.floats(pointers[k]!, count).set(array.subarray(0, count));
    });
    this.updateOnHeap!(
      kernels,
      { out: pointers[0]!, param: pointers[0]!, grad: pointers[1]!, slots: pointers.slice(2) },
      count,
      c,
    );
    params.set(heap.floats(pointers[0]!, count));
    slots.forEach((slot, k) => {
      slot.set(heap.floats(pointers[k + 2]!, count));
    });
    if (count < params.length) this.updateValues({ param: params, grad: grads, slots, c, from: count });
  }

  /**
   * One step through the fastest path available: the fused kernel where the backend registers
   * it ('native'), the SIMD heap kernels on wasm, else the JavaScript loops. Gradients are read
   * through `source`.
   */
  private applyStep(
    weights: LayerWeight[],
    source: {
      /** The gradients as the fused kernel takes them, or null when one is not float32. */
      fused(): (Float32Array | Tensor)[] | null;
      heap(heap: WasmHeap, index: number): number | undefined;
      values(index: number): Float32Array;
    },
  ): void {
    const iteration = this.iterations + 1;
    const c = this.coefficients(iteration);
    if (this.canUpdateFused()) {
      const grads = source.fused();
      if (grads && weights.every((w) => w.variable.dtype === 'float32')) {
        const slots = weights.map((w) => this.slots.of(w, undefined).views());
        this.updateFused!(
          weights.map((w) => w.variable),
          grads,
          slots,
          iteration,
        );
        this.iterations++;
        return;
      }
    }
    const heap = this.updateOnHeap !== undefined ? wasmHeap() : undefined;
    const kernels = heap && heapKernels(heap.memory);
    weights.forEach((weight, i) => {
      const slots = this.slots.of(weight, kernels ? heap : undefined);
      const gradPointer = kernels && slots.heap ? source.heap(heap!, i) : undefined;
      if (gradPointer !== undefined) {
        heap!.rewrite(weight.variable, (from, to) => {
          const size = weight.size;
          const count = size - (size % 4);
          this.updateOnHeap!(
            kernels!,
            { out: to, param: from, grad: gradPointer, slots: slots.heap!.pointers },
            count,
            c,
          );
          if (count < size) {
            const out = heap!.floats(to, size);
            out.set(heap!.floats(from + count * 4, size - count), count);
            this.updateValues({
              param: out,
              grad: heap!.floats(gradPointer, size),
              slots: slots.views(),
              c,
              from: count,
            });
          }
        });
      } else {
        // Views are taken inside the callback: allocations before it may move the wasm heap.
        updateVariable(weight.variable, (param) =>
          this.updateValues({ param, grad: source.values(i), slots: slots.views(), c, from: 0 }),
        );
      }
    });
    this.iterations++;
  }

  private scratchPointer(heap: WasmHeap, size: number): number {
    if (this.scratch === undefined || this.scratch.heap.memory !== heap.memory || this.scratch.size < size) {
      if (this.scratch) this.scratch.heap.free(this.scratch.pointer);
      this.scratch = { heap, pointer: heap.malloc(size * 4), size };
    }
    return this.scratch.pointer;
  }

  /** A copy of the optimizer's state (slots keyed by weight name), e.g. to checkpoint or to send to a worker. */
  getState(): OptimizerState {
    const state = this.stateViews();
    return {
      ...state,
      slots: Object.fromEntries(Object.entries(state.slots).map(([name, slots]) => [name, copySlots(slots)])),
    };
  }

  /**
   * The state as `getState` gives it, but holding the optimizer's own arrays instead of copies:
   * for copying it elsewhere at once (a trainer's shared memory) without allocating it twice.
   * Valid until the optimizer's next step or reset.
   */
  stateViews(): OptimizerState {
    return { className: this.className, iterations: this.iterations, slots: this.slots.views() };
  }

  /**
   * Restores a state from `getState`; slots are matched to weights by name when next used (see
   * SlotStore.restore).
   */
  setState(state: OptimizerState): void {
    if (state.className !== this.className) {
      throw new ValueError(
        `${this.className}.setState: expected a state of ${this.className}, but got one of ${describeValue(state.className)}.`,
      );
    }
    this.slots.restore(state.slots);
    this.freeScratch();
    this.iterations = state.iterations;
  }

  /** Forgets all state (as a freshly created optimizer) and frees the heap memory it held. */
  reset(): void {
    this.iterations = 0;
    this.slots.clear();
    this.freeScratch();
  }

  private freeScratch(): void {
    if (this.scratch) this.scratch.heap.free(this.scratch.pointer);
    this.scratch = undefined;
  }

  /** Releases the optimizer's memory; same as `reset`. */
  dispose(): void {
    this.reset();
  }

  private checkLengths(weights: LayerWeight[], gradients: number): void {
    if (weights.length !== gradients) {
      throw new ValueError(
        `${this.className}.applyGradients: expected one gradient per weight (${weights.length}), but got ${gradients}.`,
      );
    }
  }

  private checkSize(weight: LayerWeight, size: number): void {
    if (size !== weight.size) {
      throw new ValueError(
        `${this.className}.applyGradients: the gradient of ${weight.name} has ${size} values, but the weight has ${weight.size} (shape ${describeValue(weight.shape)}).`,
      );
    }
  }
}
