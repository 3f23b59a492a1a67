// Training-step fusions: each does what a chain of the element-wise and reduction ops does, with
// the same roundings (float products, double row sums), in one pass instead of one launch per op.
#pragma once
#include "elementwise.h"

namespace {

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

}  // namespace
