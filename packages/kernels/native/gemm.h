// Matrix product C = A·B (+ bias) (then relu). B is packed per panel of NR = NV*W columns (zero-padded, K x NR contiguous)
// unless A has few rows (then full panels of a row-major B are read in place, kInPlaceRows),
// A is read in place through its two strides (so a transposed A costs nothing), and an MR x NR
// block of C lives in registers for the whole K loop.
#pragma once
#include "simd_vectors.h"

namespace {

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
  float* panel = fnn_scratch(fnn::kScratchGemmPanel, static_cast<size_t>(K) * NR);
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

}  // namespace
