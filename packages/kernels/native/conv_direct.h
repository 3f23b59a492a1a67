// Convolutions with few taps (cin·fh·fw ≤ 27: the Keras MNIST convnet's first layer has 9)
// computed directly, reading x in place: there the im2col copy costs more than the products, and
// K is too short for gemm's tiles to pay. Each kernel keeps a tile of sums in registers:
// - forward (Conv2D, FusedConv2D): P pixels of an output row x C channel vectors, started at the
//   bias, each tap adding a broadcast input times a filter vector; then relu or not;
// - filter gradient (Conv2DBackpropFilter; FnnConv2DBackward without dx, its dz = dy·step(y) made
//   in registers as relu_dz_rows makes it and the bias gradient summed in double in pixel order as
//   there): up to 9 taps x C channel vectors summed over an image's pixels, each adding the
//   pixel's input at the tap times its dz; images added in double. (With dx, conv_backward.h's
//   blocks are whole images, each block's dz read by it as a materialised one.)
// Products are the im2col path's, sums run in another order (taps in order from the bias; pixels in
// order per image, images in double): within rounding of it, not bit for bit. dz from dy and y
// gives the bits of dz materialised, so FnnConv2DBackward keeps its op chain's bits. Every pixel
// and tap takes part, as in gemm: NaN and infinities land where they did (∞·0 is NaN).
// conv_pool_direct.h builds the Conv2D(relu) + 2x2 max pool pair's direct kernels on these pieces.
#pragma once
#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>
#endif

#include "im2col.h"

namespace {

constexpr int64_t kDirectMaxTaps = 27;
// Taps per register tile of the filter gradient (9 taps x 2 vectors of sums fit AVX-512's 32
// registers next to dz; 9 x 1 fit the 16 of AVX2 and SSE).
constexpr int kDirectTapBlock = 9;
constexpr int kDirectGradC = W == 16 ? 2 : 1;
// Sums per forward tile (pixels x channel vectors), leaving registers for the filter and input;
// at most 13 pixels (enough independent sums for the FMAs' latency; 2 x 13 for a 26-pixel row).
constexpr int kDirectConvSums = W == 16 ? 26 : 12;
constexpr int kDirectConvPixels = 13;

// a·b + c, one rounding where the ISA has FMA (as gemm's micro-kernels).
inline vf fma_vf(vf a, vf b, vf c) {
#if FNN_W == 16 && defined(__AVX512F__)
  return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif FNN_W == 8 && defined(__FMA__)
  return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
  return a * b + c;
#endif
}

// *x in every lane by a broadcast load: splat's add and shuffle would take the FMA ports' slots.
inline vf broadcast(const float* x) {
#if FNN_W == 16 && defined(__AVX512F__)
  return (vf)_mm512_set1_ps(*x);
#elif FNN_W == 8 && defined(__AVX__)
  return (vf)_mm256_broadcast_ss(x);
#else
  return splat(*x);
#endif
}

// Whether a convolution runs directly: no window reaches into the padding (so x is read in
// place, never clipped), few taps, whole channel vectors.
inline bool conv_direct_applies(const fnn::ConvShape& s) {
  const int64_t taps = conv_taps(s);
  return !reaches_padding(s) && taps > 0 && taps <= kDirectMaxTaps && s.cout > 0 && s.cout % W == 0;
}

// Input offsets from a pixel's window corner: tap t = (ky·fw + kx)·cin + c, the filter's row.
struct DirectTaps {
  int64_t tap[kDirectMaxTaps];
  int64_t taps;
};

inline DirectTaps direct_taps(const fnn::ConvShape& s) {
  DirectTaps d{};
  d.taps = conv_taps(s);
  int64_t t = 0;
  for (int64_t ky = 0; ky < s.fh; ++ky)
    for (int64_t kx = 0; kx < s.fw; ++kx)
      for (int64_t c = 0; c < s.cin; ++c) d.tap[t++] = (ky * s.dh * s.w + kx * s.dw) * s.cin + c;
  return d;
}

// The input at convolution pixel (oy, ox)'s window corner within one image.
inline const float* direct_corner(const fnn::ConvShape& s, const float* image, int64_t oy, int64_t ox) {
  return image + (oy * s.sh * s.w + ox * s.sw) * s.cin;
}

// acc[p][c] = bias (or 0) + Σ_t x[at[p] + tap[t]]·filter[t, c], taps in order, for NP pixels whose
// window corners lie at[p] floats from corner and C channel vectors (filter and bias offset to them).
template <int NP, int C>
inline void direct_sums(const float* corner, const int64_t (&at)[NP], const DirectTaps& d, const float* filter,
                        const float* bias, int64_t cout, vf (&acc)[NP][C]) {
  for (int c = 0; c < C; ++c) {
    const vf b = bias ? load(bias + c * W) : vf{};
    for (int p = 0; p < NP; ++p) acc[p][c] = b;
  }
  for (int64_t t = 0; t < d.taps; ++t) {
    vf w[C];
    for (int c = 0; c < C; ++c) w[c] = load(filter + t * cout + c * W);
    const float* xt = corner + d.tap[t];
    for (int p = 0; p < NP; ++p) {
      const vf xv = broadcast(xt + at[p]);
      for (int c = 0; c < C; ++c) acc[p][c] = fma_vf(xv, w[c], acc[p][c]);
    }
  }
}

// P side-by-side pixels of an output row (window corners `step` floats apart), C channel vectors.
template <int P, int C, bool kRelu>
inline void direct_conv_pixels(const float* corner, int64_t step, const DirectTaps& d, const float* filter,
                               const float* bias, int64_t cout, float* out) {
  int64_t at[P];
  for (int p = 0; p < P; ++p) at[p] = p * step;
  vf acc[P][C];
  direct_sums<P, C>(corner, at, d, filter, bias, cout, acc);
  // Unrolled, so the sums stay in registers (a loop would index them in memory).
#pragma GCC unroll 24
  for (int p = 0; p < P; ++p)
    for (int c = 0; c < C; ++c) store(out + p * cout + c * W, kRelu ? relu(acc[p][c]) : acc[p][c]);
}

// A tile of n ≤ P pixels, its loops unrolled for n.
template <int P, int C, bool kRelu>
inline void direct_conv_tile(int64_t n, const float* corner, int64_t step, const DirectTaps& d, const float* filter,
                             const float* bias, int64_t cout, float* out) {
  if (n == P) return direct_conv_pixels<P, C, kRelu>(corner, step, d, filter, bias, cout, out);
  if constexpr (P > 1) direct_conv_tile<P - 1, C, kRelu>(n, corner, step, d, filter, bias, cout, out);
}

// Output row oy of one image, channels [0, C·W) of the chunk (filter, bias, out offset to it).
template <int C, bool kRelu>
void direct_conv_row(const fnn::ConvShape& s, const DirectTaps& d, const float* image, int64_t oy, const float* filter,
                     const float* bias, float* out) {
  constexpr int P = kDirectConvSums / C < kDirectConvPixels ? kDirectConvSums / C : kDirectConvPixels;
  const int64_t cout = s.cout, step = s.sw * s.cin;
  // Tiles as even as the row allows: a short last tile would wait on its FMAs' latency.
  const int64_t tiles = (s.ow + P - 1) / P, base = s.ow / tiles, longer = s.ow % tiles;
  for (int64_t i = 0, ox = 0; i < tiles; ++i) {
    const int64_t n = base + (i < longer ? 1 : 0);
    direct_conv_tile<P, C, kRelu>(n, direct_corner(s, image, oy, ox), step, d, filter, bias, cout, out + ox * cout);
    ox += n;
  }
}

// Output rows [oy0, oy1) of image b where conv_direct_applies (bias may be null), written from
// out on (row oy0's first pixel): each pixel's sums are the same however the rows are split.
void conv2d_direct_rows(const fnn::ConvShape& s, const DirectTaps& d, const float* x, int64_t b, int64_t oy0,
                        int64_t oy1, const float* filter, const float* bias, bool relu_out, float* out) {
  const int64_t cout = s.cout;
  const float* image = x + b * s.h * s.w * s.cin;
  for (int64_t oy = oy0; oy < oy1; ++oy) {
    float* row = out + (oy - oy0) * s.ow * cout;
    for (int64_t ch = 0; ch < cout;) {
      const float* bc = bias ? bias + ch : nullptr;
      const int c = (cout - ch) / W >= 2 ? 2 : 1;
      if (c == 2 && relu_out) direct_conv_row<2, true>(s, d, image, oy, filter + ch, bc, row + ch);
      else if (c == 2) direct_conv_row<2, false>(s, d, image, oy, filter + ch, bc, row + ch);
      else if (relu_out) direct_conv_row<1, true>(s, d, image, oy, filter + ch, bc, row + ch);
      else direct_conv_row<1, false>(s, d, image, oy, filter + ch, bc, row + ch);
      ch += c * W;
    }
  }
}

// conv2d (bias may be null; activation linear or relu) where conv_direct_applies.
void conv2d_direct(const fnn::ConvShape& s, const float* x, const float* filter, const float* bias, int act,
                   float* out) {
  const DirectTaps d = direct_taps(s);
  for (int64_t b = 0; b < s.batch; ++b)
    conv2d_direct_rows(s, d, x, b, 0, s.oh, filter, bias, act == fnn::kActRelu, out + b * s.oh * s.ow * s.cout);
}

// A vector's lanes summed in double, as two register-sized halves (a vd of FNN_W doubles is twice
// a register: GCC keeps it in memory, and each pixel's additions would wait on the last's store).
typedef double vdh __attribute__((vector_size(FNN_W * 4)));
struct LaneSums {
  vdh lo, hi;
};

inline LaneSums load_lane_sums(const double* p) {
  LaneSums s;
  __builtin_memcpy(&s.lo, p, sizeof s.lo);
  __builtin_memcpy(&s.hi, p + W / 2, sizeof s.hi);
  return s;
}

inline void store_lane_sums(double* p, const LaneSums& s) {
  __builtin_memcpy(p, &s.lo, sizeof s.lo);
  __builtin_memcpy(p + W / 2, &s.hi, sizeof s.hi);
}

// s += v lane by lane, in double (intrinsics where the ISA has them: GCC builds
// __builtin_convertvector of 8 floats from 128-bit pieces).
inline void add_lanes(LaneSums& s, vf v) {
#if FNN_W == 16 && defined(__AVX512DQ__)
  s.lo += (vdh)_mm512_cvtps_pd(_mm512_castps512_ps256((__m512)v));
  s.hi += (vdh)_mm512_cvtps_pd(_mm512_extractf32x8_ps((__m512)v, 1));
#elif FNN_W == 8 && defined(__AVX__)
  s.lo += (vdh)_mm256_cvtps_pd(_mm256_castps256_ps128((__m256)v));
  s.hi += (vdh)_mm256_cvtps_pd(_mm256_extractf128_ps((__m256)v, 1));
#else
  for (int l = 0; l < W / 2; ++l) {
    s.lo[l] += v[l];
    s.hi[l] += v[W / 2 + l];
  }
#endif
}

// One pixel's filter-gradient products for taps [t0, t0 + TB): acc[i][c] += x[tap[t0 + i]]·dz[c].
template <int TB, int C>
inline void direct_grad_add(const float* corner, const DirectTaps& d, int64_t t0, const vf (&dz)[C],
                            vf (&acc)[TB][C]) {
  for (int i = 0; i < TB; ++i) {
    const vf xv = broadcast(corner + d.tap[t0 + i]);
    for (int c = 0; c < C; ++c) acc[i][c] = fma_vf(xv, dz[c], acc[i][c]);
  }
}

// An image's tile of sums added to the filter gradient's double totals ([taps, cout], offset to
// the chunk).
template <int TB, int C>
inline void direct_grad_total(const vf (&acc)[TB][C], int64_t t0, int64_t cout, double* total) {
  for (int i = 0; i < TB; ++i)
    for (int c = 0; c < C; ++c)
      for (int l = 0; l < W; ++l) total[(t0 + i) * cout + c * W + l] += acc[i][c][l];
}

template <int N>
struct TapCount {
  static constexpr int value = N;
};

// f(TapCount<n>{}) for a tile of n in [1, kDirectTapBlock] taps, the count its loops unroll for.
template <typename F>
inline void with_tap_count(int64_t n, F&& f) {
  switch (n) {
    case 1: return f(TapCount<1>{});
    case 2: return f(TapCount<2>{});
    case 3: return f(TapCount<3>{});
    case 4: return f(TapCount<4>{});
    case 5: return f(TapCount<5>{});
    case 6: return f(TapCount<6>{});
    case 7: return f(TapCount<7>{});
    case 8: return f(TapCount<8>{});
    case 9: return f(TapCount<9>{});
  }
}

// One image's filter-gradient sums for taps [t0, t0 + TB) and channels [0, C·W) of the chunk (dy,
// y, total, bias_sums offset to it), dz = dy, or dy·step(y) with kRelu (step(NaN) is NaN, as
// relu_dz_rows); with kBias, dz is added to the running double sums bias_sums pixel by pixel.
template <int TB, int C, bool kRelu, bool kBias>
void direct_filter_image(const fnn::ConvShape& s, const DirectTaps& d, int64_t t0, const float* image, const float* dy,
                         const float* y, double* total, double* bias_sums) {
  const int64_t cout = s.cout;
  vf acc[TB][C] = {};
  LaneSums db[C];
  for (int c = 0; c < C; ++c) db[c] = kBias ? load_lane_sums(bias_sums + c * W) : LaneSums{};
  for (int64_t oy = 0; oy < s.oh; ++oy)
    for (int64_t ox = 0; ox < s.ow; ++ox) {
      const int64_t o = (oy * s.ow + ox) * cout;
      vf dz[C];
      for (int c = 0; c < C; ++c) {
        dz[c] = load(dy + o + c * W);
        if (kRelu) {
          const vf yv = load(y + o + c * W);
          dz[c] = dz[c] * (yv != yv ? yv : (yv > vf{} ? splat(1.0f) : vf{}));
        }
      }
      if (kBias)
        for (int c = 0; c < C; ++c) add_lanes(db[c], dz[c]);
      direct_grad_add<TB, C>(direct_corner(s, image, oy, ox), d, t0, dz, acc);
    }
  direct_grad_total<TB, C>(acc, t0, cout, total);
  for (int c = 0; kBias && c < C; ++c) store_lane_sums(bias_sums + c * W, db[c]);
}

template <int TB, int C>
inline void direct_filter_tile(const fnn::ConvShape& s, const DirectTaps& d, int64_t t0, const float* image,
                               const float* dy, const float* y, double* total, double* bias_sums) {
  if (y && bias_sums) direct_filter_image<TB, C, true, true>(s, d, t0, image, dy, y, total, bias_sums);
  else if (y) direct_filter_image<TB, C, true, false>(s, d, t0, image, dy, y, total, nullptr);
  else if (bias_sums) direct_filter_image<TB, C, false, true>(s, d, t0, image, dy, y, total, bias_sums);
  else direct_filter_image<TB, C, false, false>(s, d, t0, image, dy, y, total, nullptr);
}

// Zeroed double totals of a filter gradient ([taps, cout]) in per-thread scratch.
inline double* direct_filter_totals(const fnn::ConvShape& s) {
  const int64_t n = conv_taps(s) * s.cout;
  double* total = reinterpret_cast<double*>(fnn_scratch(fnn::kScratchConvPartial, static_cast<size_t>(2 * n)));
  for (int64_t i = 0; i < n; ++i) total[i] = 0.0;
  return total;
}

// One image's filter-gradient products added to total, its dz = dy (y null) or dy·step(y) (both
// [oh, ow, cout]); with bias_sums (double, [cout]), each channel's dz added to it in pixel order.
void direct_filter_grad_image(const fnn::ConvShape& s, const DirectTaps& d, const float* image, const float* dy,
                              const float* y, double* total, double* bias_sums) {
  const int64_t cout = s.cout, taps = d.taps;
  for (int64_t ch = 0; ch < cout;) {
    const int c = (cout - ch) / W >= 2 && kDirectGradC >= 2 ? 2 : 1;
    const float* dyc = dy + ch;
    const float* yc = y ? y + ch : nullptr;
    for (int64_t t0 = 0; t0 < taps; t0 += kDirectTapBlock) {
      double* bs = t0 == 0 && bias_sums ? bias_sums + ch : nullptr;
      with_tap_count(imin(kDirectTapBlock, taps - t0), [&](auto tb) {
        constexpr int TB = decltype(tb)::value;
        if (c == 2) direct_filter_tile<TB, 2>(s, d, t0, image, dyc, yc, total + ch, bs);
        else direct_filter_tile<TB, 1>(s, d, t0, image, dyc, yc, total + ch, bs);
      });
    }
    ch += c * W;
  }
}

inline void direct_filter_store(const fnn::ConvShape& s, const double* total, float* dfilter) {
  for (int64_t i = 0; i < conv_taps(s) * s.cout; ++i) dfilter[i] = static_cast<float>(total[i]);
}

// conv2d_backprop_filter where conv_direct_applies, from dz = dy (y null) or dy·step(y); with
// bias_sums (double, [cout]), each channel's dz is added to it in pixel order.
void conv2d_filter_grad_direct(const fnn::ConvShape& s, const float* x, const float* dy, const float* y,
                               float* dfilter, double* bias_sums) {
  const DirectTaps d = direct_taps(s);
  const int64_t image_floats = s.h * s.w * s.cin, plane = s.oh * s.ow * s.cout;
  double* total = direct_filter_totals(s);
  for (int64_t b = 0; b < s.batch; ++b)
    direct_filter_grad_image(s, d, x + b * image_floats, dy + b * plane, y ? y + b * plane : nullptr, total,
                             bias_sums);
  direct_filter_store(s, total, dfilter);
}

}  // namespace
