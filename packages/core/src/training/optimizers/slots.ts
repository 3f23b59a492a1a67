import { ValueError } from '../../errors.js';
import type { LayerWeight } from '../../layers/layer-weight.js';
import type { WasmHeap } from '../tensor-memory.js';

/** One weight's slots: JavaScript arrays, or memory on the wasm heap (freed with the optimizer). */
class Slots {
  constructor(
    readonly size: number,
    private readonly arrays: Float32Array[] | undefined,
    readonly heap: { heap: WasmHeap; pointers: number[] } | undefined,
  ) {}

  /** The slot values; views of the heap are taken fresh, since allocations may move it. */
  views(): Float32Array[] {
    return this.arrays ?? this.heap!.pointers.map((p) => this.heap!.heap.floats(p, this.size));
  }

  free(): void {
    if (this.heap) for (const p of this.heap.pointers) this.heap.heap.free(p);
  }
}

const heapSlots = new FinalizationRegistry<Slots>((slots) => slots.free());

/** What the store needs to know of its optimizer. */
export interface SlotSpec {
  readonly className: string;
  /** Names of the per-weight state arrays (`['m', 'v']` for Adam), the order of every `slots` list. */
  readonly slotNames: readonly string[];
  initialSlotValue(slot: string): number;
}

/**
 * An optimizer's per-weight state: each weight's slots, created on first use from a restored
 * state (matched by weight name) or from the initial values, on the wasm heap when asked.
 */
export class SlotStore {
  private readonly byWeight = new Map<LayerWeight, Slots>();
  /** Slots restored by `restore`, claimed by weight name on first use. */
  private readonly restored = new Map<string, Record<string, Float32Array>>();

  constructor(private readonly spec: SlotSpec) {}

  /** The weight's slots, created (on `heap` when given) from a restored state or initial values. */
  of(weight: LayerWeight, heap: WasmHeap | undefined): Slots {
    let slots = this.byWeight.get(weight);
    if (slots !== undefined) return slots;
    const initial = this.initialValues(weight);
    if (heap && initial.length > 0) {
      const pointers = initial.map((values) => {
        const pointer = heap.malloc(values.length * 4);
        heap.floats(pointer, values.length).set(values);
        return pointer;
      });
      slots = new Slots(weight.size, undefined, { heap, pointers });
      heapSlots.register(this, slots, slots);
    } else {
      slots = new Slots(weight.size, initial, undefined);
    }
    this.byWeight.set(weight, slots);
    return slots;
  }

  private initialValues(weight: LayerWeight): Float32Array[] {
    const { className, slotNames } = this.spec;
    const restored = this.restored.get(weight.name);
    this.restored.delete(weight.name);
    return slotNames.map((name) => {
      const saved = restored?.[name];
      if (saved === undefined) return new Float32Array(weight.size).fill(this.spec.initialSlotValue(name));
      if (saved.length !== weight.size) {
        throw new ValueError(
          `${className}: restored slot ${name} of ${weight.name} has ${saved.length} values, but the weight has ${weight.size}.`,
        );
      }
      return saved;
    });
  }

  /** Every weight's slots by weight name and slot name: the store's own arrays, not copies. */
  views(): Record<string, Record<string, Float32Array>> {
    const slots: Record<string, Record<string, Float32Array>> = {};
    for (const [name, restored] of this.restored) slots[name] = restored;
    for (const [weight, values] of this.byWeight) {
      const views = values.views();
      slots[weight.name] = Object.fromEntries(this.spec.slotNames.map((s, k) => [s, views[k]!]));
    }
    return slots;
  }

  /**
   * Forgets all slots, then keeps copies of `slots` to be claimed by weight name. The arrays of a
   * previous restore not used since are overwritten rather than allocated again (a data-parallel
   * trainer restores the state at every epoch end, and fresh megabytes cost page faults).
   */
  restore(slots: Record<string, Record<string, Float32Array>>): void {
    const unused = new Map(this.restored);
    this.clear();
    for (const [name, values] of Object.entries(slots)) this.restored.set(name, copySlots(values, unused.get(name)));
  }

  /** Forgets all slots and frees the heap memory they held. */
  clear(): void {
    for (const slots of this.byWeight.values()) {
      heapSlots.unregister(slots);
      slots.free();
    }
    this.byWeight.clear();
    this.restored.clear();
  }
}

/** Copies of `slots`, written into the arrays of `into` where they have the right lengths. */
export function copySlots(
  slots: Record<string, Float32Array>,
  into?: Record<string, Float32Array>,
): Record<string, Float32Array> {
  return Object.fromEntries(
    Object.entries(slots).map(([k, v]) => {
      const target = into?.[k];
      if (target !== undefined && target.length === v.length) {
        target.set(v);
        return [k, target];
      }
      // The typed-array constructor copies memory at once; Float32Array.from walks an iterator.
      return [k, new Float32Array(v)];
    }),
  );
}
