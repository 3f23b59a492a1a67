// Row and column reductions (double accumulators, rows summed in order), and softmax, which
// reduces each row twice (max, then sum of exponentials).
#pragma once
#include "simd_vectors.h"

namespace {

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

}  // namespace
