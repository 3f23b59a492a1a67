// Conv2D(relu) followed by a max pool whose windows tile the convolution's output (stride = window,
// no padding), as one kernel each way, so the convolution's output (11 MB for the Keras MNIST
// convnet's first layer at batch 128) never goes through memory:
// - forward: a few pooled rows' worth of convolution output at a time is computed into a tile in
//   cache (the same gemm, bias and relu as conv2d), pooled from there with its argmax recorded;
// - backward: each block of output pixels' dz is rebuilt from the pooled output, its gradient and
//   the argmax record (dz = dy·step(y) is nonzero only at a window's argmax, where y is the pooled
//   value), then fed to the filter and input gradients' gemms as conv2d_relu_backward does.
// Few-tap convolutions under a 2x2 pool run directly instead (conv_pool_direct.h); under other
// pools, and backward with dx, their tiles and filter gradients are conv_direct.h's, as in the
// separate kernels. Otherwise the products, blocks and sums are those of conv2d, max_pool_argmax,
// max_pool_grad_argmax and conv2d_relu_backward run one after the other: same bits. A NaN anywhere in the convolution's
// output makes the separate kernels' dz NaN beyond the argmaxes (0·step(NaN)); the forward pass
// reports it and the caller then runs the separate kernels for the backward pass.
#pragma once
#include "conv_backward.h"
#include "conv_pool_direct.h"
#include "pooling_argmax.h"

namespace {

// Floats of the convolution output tile the forward pass pools from (128 KB).
constexpr int64_t kConvPoolTileFloats = 32 * 1024;

inline bool any_nan(const float* x, int64_t n) {
  vf nan_lanes{};
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const vf v = load(x + i);
    nan_lanes += v != v ? splat(1.0f) : vf{};
  }
  float tail = 0.0f;
  for (; i < n; ++i) tail += x[i] != x[i] ? 1.0f : 0.0f;
  for (int l = 0; l < W; ++l) tail += nan_lanes[l];
  return tail > 0.0f;
}

// conv2d(s, relu) then max_pool_argmax(p) (p: the pool over the convolution's output, windows
// fh x fw with strides fh, fw, no padding, at least one window each way). Returns -1, writing
// nothing, where conv2d defers to tfjs-cpu (a non-finite filter meets the padding); else 1 when
// the convolution's output holds a NaN, 0 when not.
int conv2d_relu_max_pool(const fnn::ConvShape& s, const fnn::ConvShape& p, const float* x, const float* filter,
                         const float* bias, float* out, int8_t* argmax) {
  const int64_t taps = conv_taps(s), cout = s.cout;
  if (s.batch <= 0 || cout <= 0) return 0;
  if (reaches_padding(s) && !all_finite(filter, taps * cout)) return -1;
  if (conv_pool_direct_applies(s, p)) return conv2d_relu_max_pool_direct(s, p, x, filter, bias, out, argmax);
  const int64_t band = p.fh * s.ow;  // convolution pixels per pooled row
  int64_t group = imin(kConvBlockFloats / (taps > 0 ? taps : 1), kConvPoolTileFloats / cout) / band;
  group = imax(1, imin(group, p.oh));
  // The last group of an image also takes the rows no window covers (their NaNs count).
  const int64_t max_rows = (group * p.fh + p.fh - 1) * s.ow;
  // A few-tap convolution's tile is computed directly, as FusedConv2D computes it.
  const bool direct = conv_direct_applies(s);
  const DirectTaps d = direct ? direct_taps(s) : DirectTaps{};
  float* cols = is_pointwise(s) || direct ? nullptr
                                          : fnn_scratch(fnn::kScratchConvColumns, static_cast<size_t>(max_rows * taps));
  float* tile = fnn_scratch(fnn::kScratchConvPoolTile, static_cast<size_t>(max_rows * cout));
  bool nan = false;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t py = 0; py < p.oh; py += group) {
      const int64_t g = imin(group, p.oh - py);
      const int64_t conv_rows = py + g == p.oh ? s.oh - py * p.fh : g * p.fh;
      const int64_t p0 = (b * s.oh + py * p.fh) * s.ow, rows = conv_rows * s.ow;
      if (direct) {
        conv2d_direct_rows(s, d, x, b, py * p.fh, py * p.fh + conv_rows, filter, bias, true, tile);
      } else {
        const float* a = window_rows(s, x, p0, rows, cols);
        gemm(rows, cout, taps, a, taps, 1, filter, cout, 1, tile, cout, bias, fnn::kActRelu);
      }
      nan = nan || any_nan(tile, rows * cout);
      fnn::ConvShape t = p;
      t.batch = 1;
      t.h = g * p.fh;
      t.oh = g;
      const int64_t o = (b * p.oh + py) * p.ow * cout;
      max_pool_argmax(t, tile, out + o, argmax + o);
    }
  return nan ? 1 : 0;
}

// Rows [p0, p0 + rows) of dz from the pool's record: at output pixel (b, oy, ox) and channel j,
// dz = (dp + 0)·step(pooled) where the pixel is its window's argmax, else +0 (max_pool_grad_argmax
// then relu's dz, with y = the pooled value at an argmax and not NaN anywhere); sums[j] += dz in
// row order when sums is non-null. NV > 0: cout = NV * W channels, the sums kept in registers
// across the rows (as relu_dz_rows_summed); NV = 0: any cout.
template <int NV>
void pooled_dz_rows_impl(const fnn::ConvShape& s, const fnn::ConvShape& p, const float* dp, const float* pooled,
                         const int8_t* argmax, float* dz, double* sums, int64_t p0, int64_t rows) {
  const int64_t cout = NV ? NV * W : s.cout, whole = cout - cout % W, plane = s.oh * s.ow;
  constexpr int kAcc = NV ? NV : 1;
  vd acc[kAcc];
  for (int v = 0; v < NV; ++v) acc[v] = sums ? *reinterpret_cast<const vdu*>(sums + v * W) : vd{};
  // The pixel (b, oy, ox) and its window (py, px) with the offsets (ky, kx) in it, stepped along.
  int64_t b = p0 / plane, oy = p0 / s.ow % s.oh, ox = p0 % s.ow;
  int64_t py = oy / p.fh, ky = oy % p.fh, px = ox / p.fw, kx = ox % p.fw;
  for (int64_t r = 0; r < rows; ++r, dz += cout) {
    if (py < p.oh && px < p.ow) {
      const int64_t o = ((b * p.oh + py) * p.ow + px) * cout;
      const int64_t offset = ky * p.fw + kx;
      for (int64_t j = 0; j < whole; j += W) {
        const vf yv = load(pooled + o + j);
        const vf grad = where_offset(argmax + o + j, offset, load(dp + o + j)) + 0.0f;
        store(dz + j, grad * (yv > vf{} ? splat(1.0f) : vf{}));
      }
      for (int64_t j = whole; j < cout; ++j) {
        const float grad = (argmax[o + j] == offset ? dp[o + j] : 0.0f) + 0.0f;
        dz[j] = grad * (pooled[o + j] > 0.0f ? 1.0f : 0.0f);
      }
    } else {
      zero_floats(dz, cout);
    }
    if (NV && sums) {
      for (int v = 0; v < NV; ++v) acc[v] += __builtin_convertvector(load(dz + v * W), vd);
    } else if (sums) {
      for (int64_t j = 0; j < cout; ++j) sums[j] += dz[j];
    }
    if (++kx == p.fw) {
      kx = 0;
      ++px;
    }
    if (++ox == s.ow) {
      ox = px = kx = 0;
      if (++ky == p.fh) {
        ky = 0;
        ++py;
      }
      if (++oy == s.oh) {
        oy = py = ky = 0;
        ++b;
      }
    }
  }
  for (int v = 0; v < NV && sums; ++v) *reinterpret_cast<vdu*>(sums + v * W) = acc[v];
}

inline void pooled_dz_rows(const fnn::ConvShape& s, const fnn::ConvShape& p, const float* dp, const float* pooled,
                           const int8_t* argmax, float* dz, double* sums, int64_t p0, int64_t rows) {
  if (s.cout == W) pooled_dz_rows_impl<1>(s, p, dp, pooled, argmax, dz, sums, p0, rows);
  else if (s.cout == 2 * W) pooled_dz_rows_impl<2>(s, p, dp, pooled, argmax, dz, sums, p0, rows);
  else if (s.cout == 4 * W) pooled_dz_rows_impl<4>(s, p, dp, pooled, argmax, dz, sums, p0, rows);
  else pooled_dz_rows_impl<0>(s, p, dp, pooled, argmax, dz, sums, p0, rows);
}

// The filter gradient, bias gradient (db may be null) and input gradient (dx may be null) of the
// pair from x, the pooled output, its gradient dp and the forward pass's argmax record (made
// without a NaN). Returns false, writing nothing, where conv2d_relu_backward would (1x1
// pointwise convolutions, windows reaching into the padding): the caller runs the separate kernels.
bool conv2d_relu_max_pool_backward(const fnn::ConvShape& s, const fnn::ConvShape& p, const float* x,
                                   const float* dp, const float* pooled, const int8_t* argmax, const float* filter,
                                   float* dfilter, float* db, float* dx) {
  if (!dx && s.batch > 0 && conv_pool_direct_applies(s, p)) {
    conv2d_relu_max_pool_backward_direct(s, p, x, dp, pooled, argmax, dfilter, db);
    return true;
  }
  return conv2d_backward_blocks(s, x, filter, dfilter, db, dx, [&](float* dz, double* sums, int64_t p0, int64_t rows) {
    pooled_dz_rows(s, p, dp, pooled, argmax, dz, sums, p0, rows);
  });
}

}  // namespace
