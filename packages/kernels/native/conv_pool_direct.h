// Conv2D(relu) + 2x2 max pool computed directly (no im2col, no gemm) where the convolution has few
// taps (cin·fh·fw ≤ 27, the Keras MNIST convnet's first layer has 9): there the im2col copy costs
// more than the products, and K is too short for gemm's tiles to pay.
// - forward: per pool window, its 4 pixels x a chunk of output channels stay in registers, each
//   tap adding a broadcast input times a filter vector; then bias, relu, the max over the 4 pixels
//   and its argmax, written in max_pool_argmax's format (first strict maximum, -1 for none);
// - backward (filter and bias gradients only): dz = (dp + 0)·step(pooled) at each window's argmax
//   and +0 at its other pixels, exactly today's dz, multiplied by the window's 4 input patches into
//   filter-gradient accumulators in registers, an image at a time.
// Products are those of the im2col path; sums are in another order (taps in order from the bias,
// windows in order per image, images added in double), so results agree within rounding, not bit
// for bit. Every convolution pixel, also those no window covers, takes part as there: a NaN in the
// output is reported, and an infinite input makes the filter gradient NaN (∞·0) as the gemm does.
#pragma once
#include "conv_backward.h"
#include "conv_direct.h"
#include "pooling_argmax.h"

namespace {

// Output-channel vectors per forward register tile of 4 pixels (AVX-512 has 32 registers, AVX2
// and SSE 16).
constexpr int kDirectForwardC = W == 16 ? 4 : 2;

// Whether any lane of v is NaN.
inline bool any_nan_lane(vf v) {
#if FNN_W == 16 && defined(__AVX512F__)
  return _mm512_cmp_ps_mask((__m512)v, (__m512)v, _CMP_UNORD_Q) != 0;
#elif FNN_W == 8 && defined(__AVX__)
  return _mm256_movemask_ps(_mm256_cmp_ps((__m256)v, (__m256)v, _CMP_UNORD_Q)) != 0;
#else
  bool nan = false;
  for (int l = 0; l < W; ++l) nan = nan || v[l] != v[l];
  return nan;
#endif
}

// Whether the pair runs directly: a 2x2 pool with stride 2 over a convolution without padding,
// few taps, whole channel vectors.
inline bool conv_pool_direct_applies(const fnn::ConvShape& s, const fnn::ConvShape& p) {
  return p.fh == 2 && p.fw == 2 && p.sh == 2 && p.sw == 2 && p.h == s.oh && p.w == s.ow && p.oh > 0 && p.ow > 0 &&
         conv_direct_applies(s);
}

// The taps' input offsets (conv_direct.h), and from a pool window's corner pixel to its pixel
// k = dy·2 + dx (the argmax record's offset).
struct DirectOffsets : DirectTaps {
  int64_t pixel[4];
};

inline DirectOffsets direct_offsets(const fnn::ConvShape& s) {
  DirectOffsets d{};
  static_cast<DirectTaps&>(d) = direct_taps(s);
  for (int64_t k = 0; k < 4; ++k) d.pixel[k] = ((k / 2) * s.sh * s.w + (k % 2) * s.sw) * s.cin;
  return d;
}

// NWIN pool windows side by side (the next one's input `step` floats on), channels [0, C·W) of
// filter/bias/out/argmax (already offset to the chunk). nan_sum turns NaN exactly when a relu
// output does (those are non-negative or NaN, summed into it). Two windows at once give AVX-512's two
// FMA pipes 16 independent sums and read each filter vector once for both.
template <int C, int NWIN>
inline void direct_window(const float* corner, int64_t step, const DirectOffsets& d, const float* filter,
                          const float* bias, int64_t cout, float* out, int8_t* argmax, vf& nan_sum) {
  // acc[n·4 + k]: window n's pixel k.
  int64_t at[NWIN * 4];
  for (int n = 0; n < NWIN; ++n)
    for (int k = 0; k < 4; ++k) at[n * 4 + k] = n * step + d.pixel[k];
  vf acc[NWIN * 4][C];
  direct_sums<NWIN * 4, C>(corner, at, d, filter, bias, cout, acc);
  // Without a NaN among the raw sums (their total is NaN when one is, or when +∞ meets -∞), the
  // first strict maximum of the relu outputs is the raw values' first strict maximum where that is
  // positive, else the first pixel's +0: fewer instructions than relu then max. Otherwise relu,
  // then max_pool_argmax's scan (NaN never a maximum), the relu outputs summed into nan_sum.
  vf canary{};
  for (int n = 0; n < NWIN; ++n)
    for (int c = 0; c < C; ++c) canary += (acc[n * 4][c] + acc[n * 4 + 1][c]) + (acc[n * 4 + 2][c] + acc[n * 4 + 3][c]);
  const bool clean = !any_nan_lane(canary);
  for (int n = 0; n < NWIN; ++n)
    for (int c = 0; c < C; ++c) {
      vf best, at;
      if (clean) {
        best = acc[n * 4][c];
        at = vf{};
        for (int k = 1; k < 4; ++k) {
          const auto more = acc[n * 4 + k][c] > best;
          best = more ? acc[n * 4 + k][c] : best;
          at = more ? splat(static_cast<float>(k)) : at;
        }
        const auto positive = best > vf{};
        best = positive ? best : vf{};
        at = positive ? at : vf{};
      } else {
        best = splat(-__builtin_inff());
        at = splat(-1.0f);
        vf sum{};
        for (int k = 0; k < 4; ++k) {
          const vf v = relu(acc[n * 4 + k][c]);
          sum += v;
          const auto more = v > best;
          best = more ? v : best;
          at = more ? splat(static_cast<float>(k)) : at;
        }
        nan_sum += sum;
      }
      store(out + n * cout + c * W, best);
      store_offsets(argmax + n * cout + c * W, at);
    }
}

// Windows side by side per tile: AVX-512 has the registers for two (16 sums of up to 2 vectors).
constexpr int kDirectWindows = W == 16 ? 2 : 1;

template <int C>
void direct_windows(const fnn::ConvShape& s, const fnn::ConvShape& p, const DirectOffsets& d, const float* image,
                    const float* filter, const float* bias, float* out, int8_t* argmax, vf& nan_sum) {
  const int64_t cout = s.cout, step = 2 * s.sw * s.cin;
  constexpr int NWIN = C <= 2 ? kDirectWindows : 1;
  for (int64_t py = 0; py < p.oh; ++py) {
    int64_t px = 0;
    for (; px + NWIN <= p.ow; px += NWIN) {
      const int64_t o = (py * p.ow + px) * cout;
      direct_window<C, NWIN>(direct_corner(s, image, 2 * py, 2 * px), step, d, filter, bias, cout, out + o,
                             argmax + o, nan_sum);
    }
    for (; px < p.ow; ++px) {
      const int64_t o = (py * p.ow + px) * cout;
      direct_window<C, 1>(direct_corner(s, image, 2 * py, 2 * px), step, d, filter, bias, cout, out + o, argmax + o,
                          nan_sum);
    }
  }
}

// Whether convolution pixel (oy, ox), which no window covers, has a NaN in its relu output.
inline bool direct_pixel_nan(const fnn::ConvShape& s, const DirectOffsets& d, const float* image, int64_t oy,
                             int64_t ox, const float* filter, const float* bias) {
  const float* corner = direct_corner(s, image, oy, ox);
  for (int64_t j = 0; j < s.cout; ++j) {
    float z = bias ? bias[j] : 0.0f;
    for (int64_t t = 0; t < d.taps; ++t) z += corner[d.tap[t]] * filter[t * s.cout + j];
    if (z != z) return true;
  }
  return false;
}

// conv2d_relu_max_pool's result where conv_pool_direct_applies: 1 when the convolution's output
// holds a NaN, else 0.
int conv2d_relu_max_pool_direct(const fnn::ConvShape& s, const fnn::ConvShape& p, const float* x,
                                const float* filter, const float* bias, float* out, int8_t* argmax) {
  const DirectOffsets d = direct_offsets(s);
  const int64_t cout = s.cout, image_floats = s.h * s.w * s.cin, pooled = p.oh * p.ow * cout;
  vf nan_sum{};
  bool nan = false;
  for (int64_t b = 0; b < s.batch; ++b) {
    const float* image = x + b * image_floats;
    float* o = out + b * pooled;
    int8_t* a = argmax + b * pooled;
    for (int64_t ch = 0; ch < cout;) {
      const int64_t left = (cout - ch) / W;
      const float* bc = bias ? bias + ch : nullptr;
      if (left >= 4 && kDirectForwardC >= 4) {
        direct_windows<4>(s, p, d, image, filter + ch, bc, o + ch, a + ch, nan_sum);
        ch += 4 * W;
      } else if (left >= 2) {
        direct_windows<2>(s, p, d, image, filter + ch, bc, o + ch, a + ch, nan_sum);
        ch += 2 * W;
      } else {
        direct_windows<1>(s, p, d, image, filter + ch, bc, o + ch, a + ch, nan_sum);
        ch += W;
      }
    }
    // The rows and columns no window covers (odd sizes).
    for (int64_t oy = 0; oy < s.oh && !nan; ++oy)
      for (int64_t ox = oy < 2 * p.oh ? 2 * p.ow : 0; ox < s.ow && !nan; ++ox)
        nan = direct_pixel_nan(s, d, image, oy, ox, filter, bias);
  }
  for (int l = 0; l < W; ++l) nan = nan || nan_sum[l] != nan_sum[l];
  return nan ? 1 : 0;
}

// One image's filter-gradient products for taps [t0, t0 + TB) and channels [0, C·W) of the chunk
// (dp, pooled, argmax offset to it), added to total ([taps, cout] doubles, offset to the chunk);
// with bias_sums (offset likewise), the chunk's dz summed too.
template <int TB, int C>
void direct_grad_image(const fnn::ConvShape& s, const fnn::ConvShape& p, const DirectOffsets& d, int64_t t0,
                       const float* image, const float* dp, const float* pooled, const int8_t* argmax, double* total,
                       double* bias_sums) {
  const int64_t cout = s.cout;
  vf acc[TB][C] = {};
  vf db[C] = {};
  for (int64_t py = 0; py < p.oh; ++py)
    for (int64_t px = 0; px < p.ow; ++px) {
      const int64_t o = (py * p.ow + px) * cout;
      const float* corner = direct_corner(s, image, 2 * py, 2 * px);
      // dz at the argmax: (dp + 0)·step(pooled), as pooled_dz_rows (the record has no -1 here:
      // the forward pass found no NaN, so every window has a maximum).
      vf g[C];
      for (int c = 0; c < C; ++c) {
        const vf step = load(pooled + o + c * W) > vf{} ? splat(1.0f) : vf{};
        g[c] = (load(dp + o + c * W) + 0.0f) * step;
        db[c] += g[c];
      }
      for (int k = 0; k < 4; ++k) {
        vf dz[C];
        for (int c = 0; c < C; ++c) dz[c] = where_offset(argmax + o + c * W, k, g[c]);
        direct_grad_add<TB, C>(corner + d.pixel[k], d, t0, dz, acc);
      }
    }
  direct_grad_total<TB, C>(acc, t0, cout, total);
  for (int c = 0; bias_sums && c < C; ++c)
    for (int l = 0; l < W; ++l) bias_sums[c * W + l] += db[c][l];
}

template <int C>
void direct_grad_taps(const fnn::ConvShape& s, const fnn::ConvShape& p, const DirectOffsets& d, int64_t t0,
                      int64_t n, const float* image, const float* dp, const float* pooled, const int8_t* argmax,
                      double* total, double* bias_sums) {
  with_tap_count(n, [&](auto tb) {
    direct_grad_image<decltype(tb)::value, C>(s, p, d, t0, image, dp, pooled, argmax, total, bias_sums);
  });
}

// conv2d_relu_max_pool_backward's filter and bias gradients (db may be null) where
// conv_pool_direct_applies, from a record made without a NaN.
void conv2d_relu_max_pool_backward_direct(const fnn::ConvShape& s, const fnn::ConvShape& p, const float* x,
                                          const float* dp, const float* pooled, const int8_t* argmax, float* dfilter,
                                          float* db) {
  const DirectOffsets d = direct_offsets(s);
  const int64_t cout = s.cout, taps = d.taps, image_floats = s.h * s.w * s.cin, pooled_floats = p.oh * p.ow * cout;
  double* total = direct_filter_totals(s);
  double* sums = db ? bias_sums(cout) : nullptr;
  float uncovered[kDirectMaxTaps] = {};  // Σ x·0 over the pixels no window covers: NaN for a non-finite x
  for (int64_t b = 0; b < s.batch; ++b) {
    const float* image = x + b * image_floats;
    const int64_t o = b * pooled_floats;
    for (int64_t ch = 0; ch < cout;) {
      const int c = (cout - ch) / W >= 2 && kDirectGradC >= 2 ? 2 : 1;
      for (int64_t t0 = 0; t0 < taps; t0 += kDirectTapBlock) {
        const int64_t n = imin(kDirectTapBlock, taps - t0);
        double* bs = t0 == 0 && sums ? sums + ch : nullptr;
        if (c == 2)
          direct_grad_taps<2>(s, p, d, t0, n, image, dp + o + ch, pooled + o + ch, argmax + o + ch, total + ch, bs);
        else
          direct_grad_taps<1>(s, p, d, t0, n, image, dp + o + ch, pooled + o + ch, argmax + o + ch, total + ch, bs);
      }
      ch += c * W;
    }
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = oy < 2 * p.oh ? 2 * p.ow : 0; ox < s.ow; ++ox) {
        const float* corner = direct_corner(s, image, oy, ox);
        for (int64_t t = 0; t < taps; ++t) uncovered[t] += corner[d.tap[t]] * 0.0f;
      }
  }
  for (int64_t t = 0; t < taps; ++t)
    for (int64_t j = 0; j < cout; ++j) {
      const double sum = total[t * cout + j];
      dfilter[t * cout + j] = static_cast<float>(uncovered[t] != uncovered[t] ? sum + uncovered[t] : sum);
    }
  store_bias_grad(sums, db, cout);
}

}  // namespace
