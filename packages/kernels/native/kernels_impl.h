// Every kernel, written once over GCC/Clang vector extensions of FNN_W floats and compiled once
// per instruction set (isa_avx512.cc, isa_avx2.cc, isa_portable.cc) with that file's flags.
// Everything here has internal linkage and uses no standard-library templates, so no code built
// for a wider ISA can be merged by the linker into the path a narrower CPU runs.
// Summation orders are fixed (no threads, no data-dependent blocking): same input, same bits.
#include "kernels.h"

#ifndef FNN_W
#error "FNN_W (floats per vector) must be defined by the including file"
#endif

namespace {

typedef float vf __attribute__((vector_size(FNN_W * 4)));
typedef float vfu __attribute__((vector_size(FNN_W * 4), aligned(4)));
constexpr int W = FNN_W;

inline vf load(const float* p) { return *reinterpret_cast<const vfu*>(p); }
inline void store(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }
inline vf splat(float x) { return vf{} + x; }
inline vf vmax(vf a, vf b) { return a > b ? a : b; }
inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

// ---------------------------------------------------------------------------------------------
// Matrix product: B is packed per panel of NR = NV*W columns (zero-padded, K x NR contiguous)
// unless A has few rows (then full panels of a row-major B are read in place, kInPlaceRows),
// A is read in place through its two strides (so a transposed A costs nothing), and an MR x NR
// block of C lives in registers for the whole K loop.

template <int MR, int NV>
inline void micro_kernel(int64_t K, const float* a, int64_t a_rs, int64_t a_cs, const float* bp, int64_t b_ks, float* c,
                         int64_t ldc, int64_t ncols, const float* bias_panel, int activation) {
  constexpr int NR = NV * W;
  vf acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[r][v] = vf{};
  const float* ap[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) ap[r] = a + r * a_rs;
  if (a_cs == 1) {
    for (int64_t k = 0; k < K; ++k) {
      vf bv[NV];
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) bv[v] = load(bp + v * W);
      bp += b_ks;
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const vf av = splat(ap[r][k]);
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
      }
    }
  } else {
    for (int64_t k = 0; k < K; ++k) {
      vf bv[NV];
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) bv[v] = load(bp + v * W);
      bp += b_ks;
      const float* ak = a + k * a_cs;
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) {
        const vf av = splat(ak[r * a_rs]);
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) acc[r][v] += av * bv[v];
      }
    }
  }
  vf bias[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) bias[v] = bias_panel ? load(bias_panel + v * W) : vf{};
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    float* cr = c + r * ldc;
    if (ncols == NR) {
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) {
        vf x = acc[r][v] + bias[v];
        if (activation == fnn::kActRelu) x = vmax(x, vf{});
        store(cr + v * W, x);
      }
    } else {
      float tmp[NR];
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) {
        vf x = acc[r][v] + bias[v];
        if (activation == fnn::kActRelu) x = vmax(x, vf{});
        store(tmp + v * W, x);
      }
      for (int64_t j = 0; j < ncols; ++j) cr[j] = tmp[j];
    }
  }
}

// Runs the micro kernel for the last, partial block of rows (mr < MR).
template <int MR, int NV>
struct RowEdge {
  static void run(int mr, int64_t K, const float* a, int64_t a_rs, int64_t a_cs, const float* bp, int64_t b_ks,
                  float* c, int64_t ldc, int64_t ncols, const float* bias, int act) {
    if (mr == MR) micro_kernel<MR, NV>(K, a, a_rs, a_cs, bp, b_ks, c, ldc, ncols, bias, act);
    else RowEdge<MR - 1, NV>::run(mr, K, a, a_rs, a_cs, bp, b_ks, c, ldc, ncols, bias, act);
  }
};
template <int NV>
struct RowEdge<0, NV> {
  static void run(int, int64_t, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, int64_t, const float*,
                  int) {}
};

// Copies columns [j0, j0+nc) of B into a K x NR panel, zero-filling columns nc..NR.
void pack_panel(int64_t K, const float* b, int64_t b_rs, int64_t b_cs, int64_t j0, int64_t nc, int64_t NR,
                float* out) {
  if (b_cs == 1) {
    for (int64_t k = 0; k < K; ++k) {
      const float* src = b + k * b_rs + j0;
      float* dst = out + k * NR;
      int64_t j = 0;
      for (; j < nc; ++j) dst[j] = src[j];
      for (; j < NR; ++j) dst[j] = 0.0f;
    }
    return;
  }
  // Strided columns (a transposed B): each panel row is written contiguously while the NR
  // source rows stream through L1 (writing down the columns instead ran ~3x slower).
  for (int64_t k = 0; k < K; ++k) {
    const float* src = b + j0 * b_cs + k * b_rs;
    float* dst = out + k * NR;
    int64_t j = 0;
    for (; j < nc; ++j) dst[j] = src[j * b_cs];
    for (; j < NR; ++j) dst[j] = 0.0f;
  }
}

// Up to this many rows of A, a B panel whose rows are contiguous is read where it lies instead of
// packed: it serves few row blocks, and the copy cost more than its locality saves (x·W at batch
// 64: 296 -> 256 µs for 784x500, 56 -> 31 µs at batch 1; packing wins again from ~512 rows).
constexpr int64_t kInPlaceRows = 256;

template <int MR, int NV>
void gemm_blocked(int64_t M, int64_t N, int64_t K, const float* a, int64_t a_rs, int64_t a_cs, const float* b,
                  int64_t b_rs, int64_t b_cs, float* c, int64_t ldc, const float* bias, int act) {
  constexpr int NR = NV * W;
  float* panel = fnn_scratch(0, static_cast<size_t>(K) * NR);
  alignas(64) float bias_panel[NR];
  const bool in_place = b_cs == 1 && M <= kInPlaceRows;
  for (int64_t j0 = 0; j0 < N; j0 += NR) {
    const int64_t nc = imin(NR, N - j0);
    const float* bpanel = panel;
    int64_t b_ks = NR;
    if (in_place && nc == NR) {
      bpanel = b + j0;
      b_ks = b_rs;
    } else {
      pack_panel(K, b, b_rs, b_cs, j0, nc, NR, panel);
    }
    if (bias) {
      for (int64_t j = 0; j < NR; ++j) bias_panel[j] = j < nc ? bias[j0 + j] : 0.0f;
    }
    const float* bp = bias ? bias_panel : nullptr;
    int64_t i0 = 0;
    for (; i0 + MR <= M; i0 += MR)
      micro_kernel<MR, NV>(K, a + i0 * a_rs, a_rs, a_cs, bpanel, b_ks, c + i0 * ldc + j0, ldc, nc, bp, act);
    if (i0 < M)
      RowEdge<MR, NV>::run(static_cast<int>(M - i0), K, a + i0 * a_rs, a_rs, a_cs, bpanel, b_ks, c + i0 * ldc + j0,
                           ldc, nc, bp, act);
  }
}

#if defined(FNN_GEMM_WIDE)
// Set by the including file (the tile-size experiments in the README).
#ifndef FNN_GEMM_MID
#define FNN_GEMM_MID 8, 2
#define FNN_GEMM_NARROW 8, 1
#endif
#elif FNN_W >= 16
// AVX-512: 32 registers. 12 rows x 2 vectors (24 accumulators) measured best across the lesson's
// shapes and transposes, ahead of 8x2, 6x4, 6x2, 8x3 and 4x4 (README).
#define FNN_GEMM_WIDE 12, 2
#define FNN_GEMM_MID 12, 2
#define FNN_GEMM_NARROW 8, 1
#elif FNN_W == 8
// AVX2: 16 registers, the classic 6 x 16 (12 accumulators).
#define FNN_GEMM_WIDE 6, 2
#define FNN_GEMM_MID 6, 2
#define FNN_GEMM_NARROW 8, 1
#else
#define FNN_GEMM_WIDE 4, 4
#define FNN_GEMM_MID 4, 2
#define FNN_GEMM_NARROW 6, 1
#endif

void gemm(int64_t M, int64_t N, int64_t K, const float* a, int64_t a_rs, int64_t a_cs, const float* b, int64_t b_rs,
          int64_t b_cs, float* c, int64_t ldc, const float* bias, int act) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        float x = bias ? bias[j] : 0.0f;
        c[i * ldc + j] = (act == fnn::kActRelu && x < 0.0f) ? 0.0f : x;
      }
    return;
  }
  if (N <= W) gemm_blocked<FNN_GEMM_NARROW>(M, N, K, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc, bias, act);
  else if (N <= 2 * W) gemm_blocked<FNN_GEMM_MID>(M, N, K, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc, bias, act);
  else gemm_blocked<FNN_GEMM_WIDE>(M, N, K, a, a_rs, a_cs, b, b_rs, b_cs, c, ldc, bias, act);
}

// ---------------------------------------------------------------------------------------------
// Element-wise ops (the compiler vectorizes these loops for the file's ISA).

template <int OP>
inline float apply_binary(float x, float y) {
  if (OP == fnn::kAdd) return x + y;
  if (OP == fnn::kSub) return x - y;
  if (OP == fnn::kMul) return x * y;
  if (OP == fnn::kDiv) return x / y;
  if (OP == fnn::kMax) return (x != x || y != y) ? __builtin_nanf("") : (x > y ? x : y);
  if (OP == fnn::kMin) return (x != x || y != y) ? __builtin_nanf("") : (x < y ? x : y);
  const float d = x - y;
  return d * d;
}

template <int OP, typename Out, typename F>
inline void broadcast_loop(int mode, const float* a, const float* b, Out* out, int64_t outer, int64_t inner, F f) {
  const int64_t n = outer * inner;
  switch (mode) {
    case fnn::kSame:
      for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
      break;
    case fnn::kScalarB: {
      const float y = b[0];
      for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], y);
      break;
    }
    case fnn::kScalarA: {
      const float x = a[0];
      for (int64_t i = 0; i < n; ++i) out[i] = f(x, b[i]);
      break;
    }
    case fnn::kRowB:
      for (int64_t o = 0; o < outer; ++o) {
        const float* ar = a + o * inner;
        Out* orow = out + o * inner;
        for (int64_t i = 0; i < inner; ++i) orow[i] = f(ar[i], b[i]);
      }
      break;
    case fnn::kRowA:
      for (int64_t o = 0; o < outer; ++o) {
        const float* br = b + o * inner;
        Out* orow = out + o * inner;
        for (int64_t i = 0; i < inner; ++i) orow[i] = f(a[i], br[i]);
      }
      break;
    case fnn::kColB:
      for (int64_t o = 0; o < outer; ++o) {
        const float* ar = a + o * inner;
        const float y = b[o];
        Out* orow = out + o * inner;
        for (int64_t i = 0; i < inner; ++i) orow[i] = f(ar[i], y);
      }
      break;
    case fnn::kColA:
      for (int64_t o = 0; o < outer; ++o) {
        const float* br = b + o * inner;
        const float x = a[o];
        Out* orow = out + o * inner;
        for (int64_t i = 0; i < inner; ++i) orow[i] = f(x, br[i]);
      }
      break;
  }
}

void binary(int op, int mode, const float* a, const float* b, float* out, int64_t outer, int64_t inner) {
#define FNN_BIN(OPC) \
  case OPC: \
    broadcast_loop<OPC>(mode, a, b, out, outer, inner, [](float x, float y) { return apply_binary<OPC>(x, y); }); \
    break;
  switch (op) {
    FNN_BIN(fnn::kAdd)
    FNN_BIN(fnn::kSub)
    FNN_BIN(fnn::kMul)
    FNN_BIN(fnn::kDiv)
    FNN_BIN(fnn::kMax)
    FNN_BIN(fnn::kMin)
    FNN_BIN(fnn::kSquaredDiff)
  }
#undef FNN_BIN
}

void compare(int op, int mode, const float* a, const float* b, uint8_t* out, int64_t outer, int64_t inner) {
#define FNN_CMP(OPC, EXPR) \
  case OPC: \
    broadcast_loop<OPC>(mode, a, b, out, outer, inner, [](float x, float y) -> uint8_t { return (EXPR) ? 1 : 0; }); \
    break;
  switch (op) {
    FNN_CMP(fnn::kGreater, x > y)
    FNN_CMP(fnn::kGreaterEqual, x >= y)
    FNN_CMP(fnn::kLess, x < y)
    FNN_CMP(fnn::kLessEqual, x <= y)
    FNN_CMP(fnn::kEqual, x == y)
    FNN_CMP(fnn::kNotEqual, x != y)
  }
#undef FNN_CMP
}

void unary(int op, const float* x, float* out, int64_t n, float alpha) {
  switch (op) {
    case fnn::kRelu:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] < 0.0f ? 0.0f : x[i];
      break;
    case fnn::kRelu6:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] < 0.0f ? 0.0f : (x[i] > 6.0f ? 6.0f : x[i]);
      break;
    case fnn::kStep:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] != x[i] ? x[i] : (x[i] > 0.0f ? 1.0f : alpha);
      break;
    case fnn::kExp:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_expf(x[i]);
      break;
    case fnn::kLog:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_logf(x[i]);
      break;
    case fnn::kNeg:
      for (int64_t i = 0; i < n; ++i) out[i] = -x[i];
      break;
    case fnn::kSqrt:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_sqrtf(x[i]);
      break;
    case fnn::kSquare:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] * x[i];
      break;
    case fnn::kSigmoid:
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(1.0 / (1.0 + __builtin_exp(-static_cast<double>(x[i]))));
      break;
    case fnn::kTanh:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_tanhf(x[i]);
      break;
    case fnn::kRsqrt:
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(1.0 / __builtin_sqrt(static_cast<double>(x[i])));
      break;
    case fnn::kAbs:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_fabsf(x[i]);
      break;
    case fnn::kReciprocal:
      for (int64_t i = 0; i < n; ++i) out[i] = 1.0f / x[i];
      break;
  }
}

void select(const uint8_t* cond, const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = cond[i] ? a[i] : b[i];
}

void softmax(const float* x, float* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* orow = out + r * cols;
    float mx = -__builtin_inff();
    for (int64_t j = 0; j < cols; ++j) mx = xr[j] > mx ? xr[j] : mx;
    double sum = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
      const float e = __builtin_expf(xr[j] - mx);
      orow[j] = e;
      sum += e;
    }
    const float s = static_cast<float>(sum);
    for (int64_t j = 0; j < cols; ++j) orow[j] = orow[j] / s;
  }
}

// ---------------------------------------------------------------------------------------------
// Reductions (double accumulators, rows summed in order).

void sum_rows(const float* x, float* out, int64_t rows, int64_t cols) {
  constexpr int64_t kChunk = 512;
  double acc[kChunk];
  for (int64_t j0 = 0; j0 < cols; j0 += kChunk) {
    const int64_t nc = imin(kChunk, cols - j0);
    for (int64_t j = 0; j < nc; ++j) acc[j] = 0.0;
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * cols + j0;
      for (int64_t j = 0; j < nc; ++j) acc[j] += xr[j];
    }
    for (int64_t j = 0; j < nc; ++j) out[j0 + j] = static_cast<float>(acc[j]);
  }
}

void reduce_cols(int op, const float* x, float* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    if (op == 0 || op == 3) {
      double s = 0.0;
      for (int64_t j = 0; j < cols; ++j) s += xr[j];
      out[r] = static_cast<float>(op == 3 ? s / static_cast<double>(cols) : s);
    } else {
      float m = xr[0];
      bool nan = false;
      for (int64_t j = 0; j < cols; ++j) {
        const float v = xr[j];
        nan |= v != v;
        m = op == 1 ? (v > m ? v : m) : (v < m ? v : m);
      }
      out[r] = nan ? __builtin_nanf("") : m;
    }
  }
}

void argmax_cols(const float* x, int32_t* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float m = xr[0];
    int32_t best = 0;
    for (int64_t j = 1; j < cols; ++j)
      if (xr[j] > m) {
        m = xr[j];
        best = static_cast<int32_t>(j);
      }
    out[r] = best;
  }
}

void transpose(const float* x, float* out, int64_t batch, int64_t rows, int64_t cols) {
  constexpr int64_t T = 16;
  for (int64_t bi = 0; bi < batch; ++bi) {
    const float* xb = x + bi * rows * cols;
    float* ob = out + bi * rows * cols;
    for (int64_t r0 = 0; r0 < rows; r0 += T)
      for (int64_t c0 = 0; c0 < cols; c0 += T) {
        const int64_t r1 = imin(r0 + T, rows), c1 = imin(c0 + T, cols);
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t r = r0; r < r1; ++r) ob[c * rows + r] = xb[r * cols + c];
      }
  }
}

// ---------------------------------------------------------------------------------------------
// Training-step fusions: each does what a chain of the ops above does, with the same roundings
// (float products, double row sums), in one pass instead of one kernel launch per op.

void activation_backward(int act, const float* dy, const float* y, float* dz, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  if (act == fnn::kActRelu) {
    for (int64_t i = 0; i < n; ++i) {
      const float s = y[i] != y[i] ? y[i] : (y[i] > 0.0f ? 1.0f : 0.0f);
      dz[i] = dy[i] * s;
    }
  } else if (act == fnn::kActSoftmax) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* dr = dy + r * cols;
      const float* yr = y + r * cols;
      float* zr = dz + r * cols;
      double sum = 0.0;
      for (int64_t j = 0; j < cols; ++j) sum += dr[j] * yr[j];
      const float s = static_cast<float>(sum);
      for (int64_t j = 0; j < cols; ++j) zr[j] = yr[j] * (dr[j] - s);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) dz[i] = dy[i];
  }
}

// losses.ts: sum = Σ p; q = p / sum; c = min(max(q, lo), hi); loss = Σ t·log c · (−1/rows);
// dq = t / c · ((q == c) · (−1/rows)); dp = (dq − Σ dq·q) / sum.
float categorical_crossentropy(const float* t, const float* p, float* grad, int64_t rows, int64_t cols, float lo,
                               float hi, float neg_inv_rows) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* tr = t + r * cols;
    const float* pr = p + r * cols;
    double row_sum = 0.0;
    for (int64_t j = 0; j < cols; ++j) row_sum += pr[j];
    const float sum = static_cast<float>(row_sum);
    double dq_dot_q = 0.0;
    for (int64_t j = 0; j < cols; ++j) {
      const float q = pr[j] / sum;
      const float c = apply_binary<fnn::kMin>(apply_binary<fnn::kMax>(q, lo), hi);
      total += tr[j] * __builtin_logf(c);
      if (grad) {
        const float dq = (tr[j] / c) * ((q == c ? 1.0f : 0.0f) * neg_inv_rows);
        grad[r * cols + j] = dq;
        dq_dot_q += dq * q;
      }
    }
    if (grad) {
      const float s = static_cast<float>(dq_dot_q);
      float* gr = grad + r * cols;
      for (int64_t j = 0; j < cols; ++j) gr[j] = (gr[j] - s) / sum;
    }
  }
  return static_cast<float>(total) * neg_inv_rows;
}

// mulberry32's state after i + 1 draws is seed + (i + 1)·0x6d2b79f5, so every draw is computed
// from its index and the loop vectorizes (a state carried from draw to draw would not).
uint32_t dropout(const float* x, float* y, float* mask, int64_t n, uint32_t threshold, float scale, uint32_t seed) {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t state = seed + static_cast<uint32_t>(i + 1) * 0x6d2b79f5u;
    uint32_t t = (state ^ (state >> 15)) * (state | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    t ^= t >> 14;
    mask[i] = t >= threshold ? scale : 0.0f;
  }
  if (x)
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * mask[i];
  return seed + static_cast<uint32_t>(n) * 0x6d2b79f5u;
}

// ---------------------------------------------------------------------------------------------
// Optimizer updates (Keras formulas), one pass over each parameter.

void adam(float* p, const float* g, float* m, float* v, int64_t n, float lr_t, float beta1, float beta2, float c1,
          float c2, float epsilon) {
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + c1 * gi;
    const float vi = beta2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr_t * mi / (__builtin_sqrtf(vi) + epsilon);
  }
}

void sgd(float* p, const float* g, float* velocity, int64_t n, float lr, float momentum, int nesterov) {
  if (!velocity) {
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * g[i];
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const float vi = momentum * velocity[i] - lr * g[i];
    velocity[i] = vi;
    p[i] += nesterov ? momentum * vi - lr * g[i] : vi;
  }
}

void rmsprop(float* p, const float* g, float* ms, float* mom, int64_t n, float lr, float rho, float c, float momentum,
             float epsilon) {
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float si = rho * ms[i] + c * gi * gi;
    ms[i] = si;
    const float step = lr * gi / (__builtin_sqrtf(si) + epsilon);
    if (mom) {
      const float mi = momentum * mom[i] + step;
      mom[i] = mi;
      p[i] -= mi;
    } else {
      p[i] -= step;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Batch normalization over the last axis.

void batchnorm(const float* x, const float* mean, const float* var, const float* offset, const float* scale,
               float eps, float* out, int64_t rows, int64_t channels) {
  float* factor = fnn_scratch(1, static_cast<size_t>(channels) * 2);
  float* shift = factor + channels;
  for (int64_t c = 0; c < channels; ++c) {
    const double f = (scale ? scale[c] : 1.0) / __builtin_sqrt(static_cast<double>(var[c]) + eps);
    factor[c] = static_cast<float>(f);
    shift[c] = static_cast<float>((offset ? offset[c] : 0.0) - mean[c] * f);
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    float* orow = out + r * channels;
    for (int64_t c = 0; c < channels; ++c) orow[c] = xr[c] * factor[c] + shift[c];
  }
}

void batchnorm_train(const float* x, const float* gamma, const float* beta, float eps, float* out, float* mean,
                     float* var, float* inv_std, int64_t rows, int64_t channels) {
  sum_rows(x, mean, rows, channels);
  const float inv_n = rows > 0 ? 1.0f / static_cast<float>(rows) : 0.0f;
  for (int64_t c = 0; c < channels; ++c) mean[c] *= inv_n;
  float* acc = fnn_scratch(1, static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) acc[c] = 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      const float d = xr[c] - mean[c];
      acc[c] += d * d;
    }
  }
  for (int64_t c = 0; c < channels; ++c) {
    var[c] = acc[c] * inv_n;
    inv_std[c] = static_cast<float>(1.0 / __builtin_sqrt(static_cast<double>(var[c]) + eps));
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    float* orow = out + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
      orow[c] = (xr[c] - mean[c]) * inv_std[c] * g + b;
    }
  }
}

void batchnorm_backward(const float* dy, const float* x, const float* mean, const float* inv_std, const float* gamma,
                        float* dx, float* dgamma, float* dbeta, int64_t rows, int64_t channels) {
  for (int64_t c = 0; c < channels; ++c) dgamma[c] = dbeta[c] = 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    const float* dyr = dy + r * channels;
    const float* xr = x + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      dbeta[c] += dyr[c];
      dgamma[c] += dyr[c] * (xr[c] - mean[c]) * inv_std[c];
    }
  }
  if (!dx) return;
  const float inv_n = rows > 0 ? 1.0f / static_cast<float>(rows) : 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    const float* dyr = dy + r * channels;
    const float* xr = x + r * channels;
    float* dxr = dx + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      const float xhat = (xr[c] - mean[c]) * inv_std[c];
      const float g = gamma ? gamma[c] : 1.0f;
      dxr[c] = g * inv_std[c] * (dyr[c] - inv_n * dbeta[c] - xhat * inv_n * dgamma[c]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Max pooling, NHWC; padded positions never win (as in TensorFlow).

void max_pool(const float* x, float* out, int64_t batch, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow,
              int64_t fh, int64_t fw, int64_t sh, int64_t sw, int64_t pad_top, int64_t pad_left) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        float* o = out + ((b * oh + oy) * ow + ox) * c;
        for (int64_t ch = 0; ch < c; ++ch) o[ch] = -__builtin_inff();
        const int64_t y0 = oy * sh - pad_top, x0 = ox * sw - pad_left;
        for (int64_t y = imax(y0, 0); y < imin(y0 + fh, h); ++y)
          for (int64_t xx = imax(x0, 0); xx < imin(x0 + fw, w); ++xx) {
            const float* xi = x + ((b * h + y) * w + xx) * c;
            for (int64_t ch = 0; ch < c; ++ch) o[ch] = xi[ch] > o[ch] ? xi[ch] : o[ch];
          }
      }
}

void max_pool_grad(const float* dy, const float* x, float* dx, int64_t batch, int64_t h, int64_t w, int64_t c,
                   int64_t oh, int64_t ow, int64_t fh, int64_t fw, int64_t sh, int64_t sw, int64_t pad_top,
                   int64_t pad_left) {
  for (int64_t i = 0; i < batch * h * w * c; ++i) dx[i] = 0.0f;
  // Per output pixel, the first maximum of each channel's window (scan order y, x), found for all
  // channels at once; then its gradient goes to that input.
  float* best = fnn_scratch(1, static_cast<size_t>(c));
  int64_t* where = reinterpret_cast<int64_t*>(fnn_scratch(2, static_cast<size_t>(c) * 2));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t y0 = oy * sh - pad_top, x0 = ox * sw - pad_left;
        bool first = true;
        for (int64_t y = imax(y0, 0); y < imin(y0 + fh, h); ++y)
          for (int64_t xx = imax(x0, 0); xx < imin(x0 + fw, w); ++xx) {
            const int64_t base = ((b * h + y) * w + xx) * c;
            const float* xi = x + base;
            if (first) {
              for (int64_t ch = 0; ch < c; ++ch) {
                best[ch] = xi[ch];
                where[ch] = base + ch;
              }
              first = false;
            } else {
              for (int64_t ch = 0; ch < c; ++ch) {
                const bool more = xi[ch] > best[ch];
                best[ch] = more ? xi[ch] : best[ch];
                where[ch] = more ? base + ch : where[ch];
              }
            }
          }
        if (first) continue;  // a window entirely in the padding
        const float* g = dy + ((b * oh + oy) * ow + ox) * c;
        for (int64_t ch = 0; ch < c; ++ch) dx[where[ch]] += g[ch];
      }
}

}  // namespace

namespace fnn {
extern const KernelTable FNN_TABLE = {
    FNN_ISA_NAME, gemm,    binary,    compare, unary, select,          softmax,
    sum_rows,     reduce_cols, argmax_cols, transpose, adam, sgd, rmsprop, batchnorm, batchnorm_train,
    batchnorm_backward, max_pool, max_pool_grad, activation_backward, categorical_crossentropy, dropout,
};
}  // namespace fnn
