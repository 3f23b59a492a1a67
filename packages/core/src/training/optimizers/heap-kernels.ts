/*
 * A tiny WebAssembly module with SIMD (f32x4) update loops that run on tfjs-backend-wasm's own
 * heap: it imports the backend's memory, so weights, gradients and optimizer slots are
 * updated where they live, 4 lanes at a time, without copies or tfjs kernels. It holds one
 * function, Adam's update (the other optimizers run their JavaScript loops), assembled here
 * from its bytes rather than shipped as a binary, so its every instruction is readable here.
 *
 * Arithmetic is IEEE float32, lane by lane, in the same order as the JavaScript fallbacks in
 * the optimizers (which round each operation with Math.fround), so both give identical bits.
 */

// Opcodes used below (WebAssembly core + SIMD proposal, as shipped in V8).
const OP = {
  block: 0x02,
  loop: 0x03,
  br_if: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32Add: 0x6a,
  i32Shl: 0x74,
  i32GeU: 0x4f,
  i32LtU: 0x49,
  simd: 0xfd,
} as const;
const SIMD = {
  load: 0x00,
  store: 0x0b,
  f32x4Splat: 0x13,
  sqrt: 0xe3,
  add: 0xe4,
  sub: 0xe5,
  mul: 0xe6,
  div: 0xe7,
} as const;
const TYPE = { i32: 0x7f, f32: 0x7d, v128: 0x7b, func: 0x60, void: 0x40 } as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}
const str = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
const simd = (op: number, ...rest: number[]) => [OP.simd, ...uleb(op), ...rest];
/** memarg: alignment 2^4 = 16 bytes (a hint; unaligned access stays correct), offset 0. */
const MEMARG = [4, 0];
const get = (i: number) => [OP.localGet, i];
const set = (i: number) => [OP.localSet, i];

/**
 * adam(out, p, g, m, v, n, alpha, oneMinusBeta1, oneMinusBeta2, epsilon): for the n floats (n a
 * multiple of 4) at byte offsets out, p, g, m, v:
 *   m += (g - m) * oneMinusBeta1;  v += (g*g - v) * oneMinusBeta2;  out = p - (m * alpha) / (sqrt(v) + epsilon)
 * The weights go to fresh memory `out`: tfjs-wasm caches packed matmul weights per tensor, so a
 * weight is never changed in place.
 */
function adamBody(): number[] {
  // params 0..5 i32 (out, p, g, m, v, n), 6..9 f32; locals: 10 i32 i, 11 i32 end, 12..15 v128 splats, 16 gv, 17 mv, 18 vv
  const names = ['out', 'p', 'g', 'm', 'v', 'n', 'alpha', 'b1', 'b2', 'eps', 'i', 'end'] as const;
  const vectors = ['alphaV', 'b1V', 'b2V', 'epsV', 'gv', 'mv', 'vv'] as const;
  const L = Object.fromEntries([...names, ...vectors].map((name, k) => [name, k])) as AdamLocals;
  const code = [
    ...splat(L.alpha, L.alphaV),
    ...splat(L.b1, L.b1V),
    ...splat(L.b2, L.b2V),
    ...splat(L.eps, L.epsV),
    // end = n * 4 (bytes)
    ...get(L.n),
    OP.i32Const,
    ...sleb(2),
    OP.i32Shl,
    ...set(L.end),
    OP.block,
    TYPE.void,
    ...get(L.i),
    ...get(L.end),
    OP.i32GeU,
    OP.br_if,
    0,
    OP.loop,
    TYPE.void,
    ...adamMoments(L),
    ...adamWeights(L),
    // i += 16; loop while i < end
    ...get(L.i),
    OP.i32Const,
    ...sleb(16),
    OP.i32Add,
    OP.localTee,
    L.i,
    ...get(L.end),
    OP.i32LtU,
    OP.br_if,
    0,
    OP.end,
    OP.end,
    OP.end,
  ];
  const locals = vec([
    [2, TYPE.i32],
    [7, TYPE.v128],
  ]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** The adam function's parameters and locals by name, as local indices. */
type AdamLocals = Record<'out' | 'p' | 'g' | 'm' | 'v' | 'n' | 'alpha' | 'b1' | 'b2' | 'eps' | 'i' | 'end', number> &
  Record<'alphaV' | 'b1V' | 'b2V' | 'epsV' | 'gv' | 'mv' | 'vv', number>;

/** Local `to` = four copies of the f32 local `from`. */
const splat = (from: number, to: number) => [...get(from), ...simd(SIMD.f32x4Splat), ...set(to)];

/** Byte address of the current four floats of the array at local `base`. */
const addressOf = (L: AdamLocals, base: number) => [...get(base), ...get(L.i), OP.i32Add];

/** gv = g[i]; m[i] = mv = m[i] + (gv - m[i]) * b1; v[i] = vv = v[i] + (gv * gv - v[i]) * b2. */
function adamMoments(L: AdamLocals): number[] {
  return [
    ...addressOf(L, L.g),
    ...simd(SIMD.load, ...MEMARG),
    ...set(L.gv),
    ...addressOf(L, L.m),
    ...simd(SIMD.load, ...MEMARG),
    ...set(L.mv),
    ...get(L.mv),
    ...get(L.gv),
    ...get(L.mv),
    ...simd(SIMD.sub),
    ...get(L.b1V),
    ...simd(SIMD.mul),
    ...simd(SIMD.add),
    ...set(L.mv),
    ...addressOf(L, L.m),
    ...get(L.mv),
    ...simd(SIMD.store, ...MEMARG),
    ...addressOf(L, L.v),
    ...simd(SIMD.load, ...MEMARG),
    ...set(L.vv),
    ...get(L.vv),
    ...get(L.gv),
    ...get(L.gv),
    ...simd(SIMD.mul),
    ...get(L.vv),
    ...simd(SIMD.sub),
    ...get(L.b2V),
    ...simd(SIMD.mul),
    ...simd(SIMD.add),
    ...set(L.vv),
    ...addressOf(L, L.v),
    ...get(L.vv),
    ...simd(SIMD.store, ...MEMARG),
  ];
}

/** out[i] = p[i] - (mv * alpha) / (sqrt(vv) + eps) */
function adamWeights(L: AdamLocals): number[] {
  return [
    ...addressOf(L, L.out),
    ...addressOf(L, L.p),
    ...simd(SIMD.load, ...MEMARG),
    ...get(L.mv),
    ...get(L.alphaV),
    ...simd(SIMD.mul),
    ...get(L.vv),
    ...simd(SIMD.sqrt),
    ...get(L.epsV),
    ...simd(SIMD.add),
    ...simd(SIMD.div),
    ...simd(SIMD.sub),
    ...simd(SIMD.store, ...MEMARG),
  ];
}

function moduleBytes(): Uint8Array {
  const adamType = [
    TYPE.func,
    ...vec([
      [TYPE.i32],
      [TYPE.i32],
      [TYPE.i32],
      [TYPE.i32],
      [TYPE.i32],
      [TYPE.i32],
      [TYPE.f32],
      [TYPE.f32],
      [TYPE.f32],
      [TYPE.f32],
    ]),
    ...vec([]),
  ];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([adamType])),
    // import env.memory: a memory of at least 0 pages, no maximum (kind 0x02, limits flag 0x00)
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...str('adam'), 0x00, 0x00]])),
    ...section(10, vec([adamBody()])),
  ];
  return Uint8Array.from(bytes);
}

/** The part of the WebAssembly JS API used here (the project's TypeScript lib has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
export const WebAssemblyJs = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

export interface HeapKernels {
  adam(
    out: number,
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    alpha: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    epsilon: number,
  ): void;
}

let compiled: object | null | undefined;
const instances = new WeakMap<WasmMemory, HeapKernels>();

/** The kernels bound to a wasm memory, or undefined where WebAssembly SIMD is unavailable. */
export function heapKernels(memory: WasmMemory): HeapKernels | undefined {
  if (compiled === undefined) {
    const bytes = moduleBytes();
    compiled = WebAssemblyJs.validate(bytes) ? new WebAssemblyJs.Module(bytes) : null;
  }
  if (compiled === null || memory.buffer instanceof SharedArrayBuffer) return undefined;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    kernels = new WebAssemblyJs.Instance(compiled, { env: { memory } }).exports as HeapKernels;
    instances.set(memory, kernels);
  }
  return kernels;
}
