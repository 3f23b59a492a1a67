// A Conv2D layer's whole backward pass with relu, block by block: each block of output pixels'
// dz = dy·step(y) is computed into per-thread scratch (the bias gradient summed on the way), and
// the input and filter gradients' gemms read it there, so dz (the layer's whole output, 11 MB for
// the Keras MNIST convnet's first layer at batch 128) is never written to memory and read back.
// The blocks, products and sums are those of the separate kernels (relu_backward_bias,
// conv2d_backprop_input, conv2d_backprop_filter) on a materialised dz: same bits.
#pragma once
#include "convolution.h"

namespace {

// Rows [p0, p0 + rows) of dz = dy·step(y) ([pixels, cout]) into dz (step(NaN) is NaN, as tfjs's
// Step); with kSums, sums[j] += each dz[., j] in row order.
template <bool kSums>
inline void relu_dz_rows_impl(const float* dy, const float* y, float* dz, double* sums, int64_t p0, int64_t rows,
                              int64_t cout) {
  const float* dr = dy + p0 * cout;
  const float* yr = y + p0 * cout;
  for (int64_t r = 0; r < rows; ++r, dr += cout, yr += cout, dz += cout) {
    for (int64_t j = 0; j < cout; ++j) {
      const float s = yr[j] != yr[j] ? yr[j] : (yr[j] > 0.0f ? 1.0f : 0.0f);
      const float d = dr[j] * s;
      dz[j] = d;
      if (kSums) sums[j] += d;
    }
  }
}

// The same with the sums for cout = NV * W channels in registers across the rows (through memory,
// each row's additions would wait for the previous row's stores): same additions, same order.
template <int NV>
inline void relu_dz_rows_summed(const float* dy, const float* y, float* dz, double* sums, int64_t p0, int64_t rows) {
  constexpr int64_t cout = NV * W;
  const float* dr = dy + p0 * cout;
  const float* yr = y + p0 * cout;
  vd acc[NV];
  for (int v = 0; v < NV; ++v) acc[v] = *reinterpret_cast<const vdu*>(sums + v * W);
  for (int64_t r = 0; r < rows; ++r, dr += cout, yr += cout, dz += cout)
    for (int v = 0; v < NV; ++v) {
      const vf yv = load(yr + v * W);
      const vf d = load(dr + v * W) * (yv != yv ? yv : (yv > vf{} ? splat(1.0f) : vf{}));
      store(dz + v * W, d);
      acc[v] += __builtin_convertvector(d, vd);
    }
  for (int v = 0; v < NV; ++v) *reinterpret_cast<vdu*>(sums + v * W) = acc[v];
}

inline void relu_dz_rows(const float* dy, const float* y, float* dz, double* sums, int64_t p0, int64_t rows,
                         int64_t cout) {
  if (!sums) relu_dz_rows_impl<false>(dy, y, dz, nullptr, p0, rows, cout);
  else if (cout == W) relu_dz_rows_summed<1>(dy, y, dz, sums, p0, rows);
  else if (cout == 2 * W) relu_dz_rows_summed<2>(dy, y, dz, sums, p0, rows);
  else if (cout == 4 * W) relu_dz_rows_summed<4>(dy, y, dz, sums, p0, rows);
  else relu_dz_rows_impl<true>(dy, y, dz, sums, p0, rows, cout);
}

// Zeroed double sums for a bias gradient over cout channels, in per-thread scratch.
inline double* bias_sums(int64_t cout) {
  double* sums = reinterpret_cast<double*>(fnn_scratch(fnn::kScratchConvBiasSums, static_cast<size_t>(2 * cout)));
  for (int64_t j = 0; j < cout; ++j) sums[j] = 0.0;
  return sums;
}

// The bias gradient from its double sums (nothing when either is null).
inline void store_bias_grad(const double* sums, float* db, int64_t cout) {
  for (int64_t j = 0; sums && db && j < cout; ++j) db[j] = static_cast<float>(sums[j]);
}

// dz = dy·step(y) over [rows, cout] and, when db is non-null, db = Σ_rows dz, in one pass: the bits
// of Step, Multiply and Sum (double sums in row order, as sum_rows).
void relu_backward_bias(const float* dy, const float* y, float* dz, float* db, int64_t rows, int64_t cout) {
  double* sums = db ? bias_sums(cout) : nullptr;
  relu_dz_rows(dy, y, dz, sums, 0, rows, cout);
  store_bias_grad(sums, db, cout);
}

// dfilter, db (if non-null) and dx (if non-null) of a convolution from x and its dz, block by
// block: dz_rows(dz, sums, p0, rows) writes rows [p0, p0 + rows) of dz into per-thread scratch
// (adding them to the bias gradient's double sums when non-null), where the input and filter
// gradients' gemms read it. Returns false, writing nothing, for a 1x1 pointwise convolution or
// windows reaching into the padding (the caller then materialises dz and runs the separate
// kernels: the filter gradient checks the whole of dz for non-finite values there). Where the
// filter gradient runs directly (conv_direct_applies), blocks are whole images and it reads each
// block's dz as Conv2DBackpropFilter reads a materialised one: the same bits.
template <typename DzRows>
bool conv2d_backward_blocks(const fnn::ConvShape& s, const float* x, const float* filter, float* dfilter, float* db,
                            float* dx, DzRows dz_rows) {
  const int64_t pixels = conv_pixels(s), taps = conv_taps(s);
  if (is_pointwise(s) || reaches_padding(s) || pixels <= 0 || taps <= 0 || s.cout <= 0) return false;
  const bool direct = conv_direct_applies(s);
  const int64_t plane = s.oh * s.ow;
  int64_t block = conv_block_rows(taps);
  if (direct) block = imax(plane, block - block % plane);
  float* cols = fnn_scratch(fnn::kScratchConvColumns, static_cast<size_t>(block * taps));
  float* dz = fnn_scratch(fnn::kScratchConvDz, static_cast<size_t>(block * s.cout));
  float* partial = direct ? nullptr : fnn_scratch(fnn::kScratchConvPartial, static_cast<size_t>(taps * s.cout));
  double* sums = db ? bias_sums(s.cout) : nullptr;
  float* filter_t = nullptr;
  if (dx) {
    filter_t = fnn_scratch(fnn::kScratchConvFilterT, static_cast<size_t>(s.cout * taps));
    transpose(filter, filter_t, 1, taps, s.cout);
    zero_floats(dx, s.batch * s.h * s.w * s.cin);
  }
  const DirectTaps d = direct ? direct_taps(s) : DirectTaps{};
  double* total = direct ? direct_filter_totals(s) : nullptr;
  for (int64_t p0 = 0; p0 < pixels; p0 += block) {
    const int64_t rows = imin(block, pixels - p0);
    dz_rows(dz, sums, p0, rows);
    if (dx) {
      gemm(rows, taps, s.cout, dz, s.cout, 1, filter_t, taps, 1, cols, taps, nullptr, fnn::kLinear);
      col2im_rows(s, cols, p0, rows, dx);
    }
    if (direct) {
      for (int64_t r = 0; r < rows; r += plane)
        direct_filter_grad_image(s, d, x + (p0 + r) / plane * s.h * s.w * s.cin, dz + r * s.cout, nullptr, total,
                                 nullptr);
      continue;
    }
    im2col_rows(s, x, p0, rows, cols);
    float* target = p0 == 0 ? dfilter : partial;
    gemm(taps, s.cout, rows, cols, 1, taps, dz, s.cout, 1, target, s.cout, nullptr, fnn::kLinear);
    if (p0 > 0) add_floats(dfilter, partial, taps * s.cout);
  }
  if (direct) direct_filter_store(s, total, dfilter);
  store_bias_grad(sums, db, s.cout);
  return true;
}

// The same for a relu convolution from its output y and dy (dz = dy·step(y)); without dx, a
// few-tap convolution's filter and bias gradients run directly, dz never leaving registers.
bool conv2d_relu_backward(const fnn::ConvShape& s, const float* x, const float* dy, const float* y,
                          const float* filter, float* dfilter, float* db, float* dx) {
  if (!dx && conv_pixels(s) > 0 && conv_direct_applies(s)) {
    double* sums = db ? bias_sums(s.cout) : nullptr;
    conv2d_filter_grad_direct(s, x, dy, y, dfilter, sums);
    store_bias_grad(sums, db, s.cout);
    return true;
  }
  return conv2d_backward_blocks(s, x, filter, dfilter, db, dx, [&](float* dz, double* sums, int64_t p0, int64_t rows) {
    relu_dz_rows(dy, y, dz, sums, p0, rows, s.cout);
  });
}

}  // namespace
