// Convolution (NHWC, filter [fh, fw, cin, cout]) and its two gradients as the dense path's matrix
// products over cache-sized blocks of the im2col matrix: each block of output pixels' windows is
// copied into per-thread scratch that stays in L2 while gemm reads it, so the whole im2col matrix
// (17.8 MB for the Keras MNIST convnet's second layer at batch 128) never goes through memory.
// Block sizes depend on the shape only, and blocks run in order: same input, same bits.
// Convolutions of at most 27 taps run directly instead, without im2col (conv_direct.h).
#pragma once
#include "conv_direct.h"
#include "gemm.h"
#include "im2col.h"
#include "transpose.h"

namespace {

// Floats of one im2col block (192 KB: in L2 next to the filter and gemm's packed panel).
constexpr int64_t kConvBlockFloats = 48 * 1024;

// Output pixels per block: a multiple of 24, a whole number of every ISA's register tiles (12, 6, 4 rows).
inline int64_t conv_block_rows(int64_t taps) {
  int64_t rows = kConvBlockFloats / (taps > 0 ? taps : 1);
  rows -= rows % 24;
  return rows < 24 ? 24 : rows;
}

inline int64_t conv_pixels(const fnn::ConvShape& s) { return s.batch * s.oh * s.ow; }

// Whether n floats hold no NaN and no infinity (x * 0 is NaN exactly for those).
inline bool all_finite(const float* x, int64_t n) {
  vf nan_if_any{};
  int64_t i = 0;
  for (; i + W <= n; i += W) nan_if_any += load(x + i) * vf{};
  float tail = 0.0f;
  for (; i < n; ++i) tail += x[i] * 0.0f;
  for (int l = 0; l < W; ++l) tail += nan_if_any[l];
  return tail == tail;
}

// The rows [p0, p0 + rows) of x's im2col matrix: x itself for a pointwise convolution, else
// copied into block.
inline const float* window_rows(const fnn::ConvShape& s, const float* x, int64_t p0, int64_t rows, float* block) {
  if (is_pointwise(s)) return x + p0 * s.cin;
  im2col_rows(s, x, p0, rows, block);
  return block;
}

bool conv2d(const fnn::ConvShape& s, const float* x, const float* filter, const float* bias, int act, float* out) {
  const int64_t pixels = conv_pixels(s), taps = conv_taps(s);
  if (pixels <= 0 || s.cout <= 0) return true;
  if (reaches_padding(s) && !all_finite(filter, taps * s.cout)) return false;
  if (conv_direct_applies(s)) {
    conv2d_direct(s, x, filter, bias, act, out);
    return true;
  }
  const int64_t block = conv_block_rows(taps);
  float* cols = is_pointwise(s) ? nullptr : fnn_scratch(fnn::kScratchConvColumns, static_cast<size_t>(block * taps));
  for (int64_t p0 = 0; p0 < pixels; p0 += block) {
    const int64_t rows = imin(block, pixels - p0);
    const float* a = window_rows(s, x, p0, rows, cols);
    gemm(rows, s.cout, taps, a, taps, 1, filter, s.cout, 1, out + p0 * s.cout, s.cout, bias, act);
  }
  return true;
}

// dx = col2im(dy · filterᵀ), block by block; filterᵀ [cout, taps] is transposed once so that gemm
// reads its panels in place.
void conv2d_backprop_input(const fnn::ConvShape& s, const float* dy, const float* filter, float* dx) {
  const int64_t pixels = conv_pixels(s), taps = conv_taps(s);
  float* filter_t = fnn_scratch(fnn::kScratchConvFilterT, static_cast<size_t>(s.cout * taps));
  transpose(filter, filter_t, 1, taps, s.cout);
  if (is_pointwise(s)) {
    gemm(pixels, taps, s.cout, dy, s.cout, 1, filter_t, taps, 1, dx, taps, nullptr, fnn::kLinear);
    return;
  }
  zero_floats(dx, s.batch * s.h * s.w * s.cin);
  if (pixels <= 0 || taps <= 0) return;
  const int64_t block = conv_block_rows(taps);
  float* dcols = fnn_scratch(fnn::kScratchConvColumns, static_cast<size_t>(block * taps));
  for (int64_t p0 = 0; p0 < pixels; p0 += block) {
    const int64_t rows = imin(block, pixels - p0);
    gemm(rows, taps, s.cout, dy + p0 * s.cout, s.cout, 1, filter_t, taps, 1, dcols, taps, nullptr, fnn::kLinear);
    col2im_rows(s, dcols, p0, rows, dx);
  }
}

// dfilter = Σ over blocks of (block's im2col rows)ᵀ · (block's dy rows): each block's product is
// one gemm with K = the block's pixels, whose packed dy panel stays in cache; the first block
// writes dfilter, the others are added to it in order.
bool conv2d_backprop_filter(const fnn::ConvShape& s, const float* x, const float* dy, float* dfilter) {
  const int64_t pixels = conv_pixels(s), taps = conv_taps(s);
  if (taps <= 0 || s.cout <= 0) return true;
  if (reaches_padding(s) && !all_finite(dy, pixels * s.cout)) return false;
  if (pixels <= 0) {
    zero_floats(dfilter, taps * s.cout);
    return true;
  }
  if (conv_direct_applies(s)) {
    conv2d_filter_grad_direct(s, x, dy, nullptr, dfilter, nullptr);
    return true;
  }
  const int64_t block = conv_block_rows(taps);
  float* cols = is_pointwise(s) ? nullptr : fnn_scratch(fnn::kScratchConvColumns, static_cast<size_t>(block * taps));
  float* partial = fnn_scratch(fnn::kScratchConvPartial, static_cast<size_t>(taps * s.cout));
  for (int64_t p0 = 0; p0 < pixels; p0 += block) {
    const int64_t rows = imin(block, pixels - p0);
    const float* a = window_rows(s, x, p0, rows, cols);
    float* target = p0 == 0 ? dfilter : partial;
    gemm(taps, s.cout, rows, a, 1, taps, dy + p0 * s.cout, s.cout, 1, target, s.cout, nullptr, fnn::kLinear);
    if (p0 > 0) add_floats(dfilter, partial, taps * s.cout);
  }
  return true;
}

}  // namespace
