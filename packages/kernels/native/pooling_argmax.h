// Max pooling that also records each window's argmax (its first strict maximum's offset
// ky * fw + kx, -1 for none: the maximum pooling.h's window_grad finds), and the gradient from
// that record: a scatter of dy that reads neither the pooled input nor compares anything. For
// windows that never overlap (strides at least the window), the case of the MNIST convnet's
// pools; the bits are max_pool's and max_pool_grad's.
#pragma once
#include <immintrin.h>

#include "pooling.h"

namespace {

typedef int8_t vi8 __attribute__((vector_size(FNN_W)));
typedef int8_t vi8u __attribute__((vector_size(FNN_W), aligned(1)));

typedef int32_t vi32 __attribute__((vector_size(FNN_W * 4)));

// Through int32 lanes: a direct float <-> int8 conversion is done lane by lane.
inline vf load_offsets(const int8_t* p) {
  return __builtin_convertvector(__builtin_convertvector(*reinterpret_cast<const vi8u*>(p), vi32), vf);
}
inline void store_offsets(int8_t* p, vf at) {
  *reinterpret_cast<vi8u*>(p) = __builtin_convertvector(__builtin_convertvector(at, vi32), vi8);
}

// Whether the window lies inside the image (no clipping).
inline bool window_inside(const fnn::ConvShape& s, const PoolWindow& win) {
  return win.y_begin == win.y0 && win.x_begin == win.x0 && win.y_end == win.y0 + s.fh && win.x_end == win.x0 + s.fw;
}

template <int FH, int FW>
void max_pool_argmax_windows(const fnn::ConvShape& shape, const float* x, float* out, int8_t* argmax) {
  const fnn::ConvShape s = shape;  // a local copy: stores cannot change it, so it stays in registers
  const int64_t c = s.cin, whole = c - c % W;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        const int64_t o = ((b * s.oh + oy) * s.ow + ox) * c;
        const float* image = x + b * s.h * s.w * c;
        const PoolWindow win(s, oy, ox);
        const bool inside = window_inside(s, win);
        const float* corner = image + (win.y0 * s.w + win.x0) * c;
        if (inside) {
          for (int64_t ch = 0; ch < whole; ch += W) {
            vf best, at;
            inside_window_argmax<FH, FW>(s, corner + ch, best, at);
            store(out + o + ch, best);
            store_offsets(argmax + o + ch, at);
          }
        } else {
          for (int64_t ch = 0; ch < whole; ch += W) {
            vf best, at;
            window_argmax<VectorLanes>(s, win, image + ch, best, at);
            store(out + o + ch, best);
            store_offsets(argmax + o + ch, at);
          }
        }
        for (int64_t ch = whole; ch < c; ++ch) {
          float best, at;
          window_argmax<OneLane>(s, win, image + ch, best, at);
          out[o + ch] = best;
          argmax[o + ch] = static_cast<int8_t>(at);
        }
      }
}

// max_pool, and argmax[i] = output i's window offset of its maximum (-1 for none). Disjoint
// windows of at most 127 taps only (the caller checks).
void max_pool_argmax(const fnn::ConvShape& s, const float* x, float* out, int8_t* argmax) {
  if (s.fh == 2 && s.fw == 2) max_pool_argmax_windows<2, 2>(s, x, out, argmax);
  else max_pool_argmax_windows<0, 0>(s, x, out, argmax);
}

template <int FH, int FW>
void max_pool_grad_argmax_windows(const fnn::ConvShape& shape, const float* dy, const int8_t* argmax, float* dx) {
  const fnn::ConvShape s = shape;  // a local copy: stores into dx cannot change it, so it stays in registers
  const int64_t c = s.cin, whole = c - c % W, fh = FH ? FH : s.fh, fw = FW ? FW : s.fw, row = s.w * c;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        const int64_t o = ((b * s.oh + oy) * s.ow + ox) * c;
        float* image = dx + b * s.h * s.w * c;
        const PoolWindow win(s, oy, ox);
        const bool inside = window_inside(s, win);
        float* corner = image + (win.y0 * s.w + win.x0) * c;
        // Every input of the window gets +0 but its maximum, which gets 0 + dy (-0 becomes +0).
        for (int64_t ch = 0; ch < whole; ch += W) {
          const vf at = load_offsets(argmax + o + ch);
          const vf grad = load(dy + o + ch);
          if (inside) {
            for (int64_t ky = 0; ky < fh; ++ky)
              for (int64_t kx = 0; kx < fw; ++kx)
                store(corner + ky * row + kx * c + ch,
                      (at == splat(static_cast<float>(ky * fw + kx)) ? grad : vf{}) + 0.0f);
          } else {
            for (int64_t y = win.y_begin; y < win.y_end; ++y)
              for (int64_t xx = win.x_begin; xx < win.x_end; ++xx) {
                const float offset = static_cast<float>((y - win.y0) * s.fw + (xx - win.x0));
                store(image + (y * s.w + xx) * c + ch, (at == splat(offset) ? grad : vf{}) + 0.0f);
              }
          }
        }
        for (int64_t ch = whole; ch < c; ++ch)
          for (int64_t y = win.y_begin; y < win.y_end; ++y)
            for (int64_t xx = win.x_begin; xx < win.x_end; ++xx) {
              const int64_t offset = (y - win.y0) * s.fw + (xx - win.x0);
              image[(y * s.w + xx) * c + ch] = (argmax[o + ch] == offset ? dy[o + ch] : 0.0f) + 0.0f;
            }
      }
}

// max_pool_grad from max_pool_argmax's record, for the same disjoint windows.
void max_pool_grad_argmax(const fnn::ConvShape& s, const float* dy, const int8_t* argmax, float* dx) {
  if (!windows_cover_image(s)) zero_floats(dx, s.batch * s.h * s.w * s.cin);
  if (s.fh == 2 && s.fw == 2) max_pool_grad_argmax_windows<2, 2>(s, dy, argmax, dx);
  else max_pool_grad_argmax_windows<0, 0>(s, dy, argmax, dx);
}

// `value` where the recorded offsets at[0..W) equal `offset`, else +0. GCC 12 widens int8 lanes
// one by one (load_offsets), which cost more than the rest of dz's pass: the byte compare goes
// into a lane mask directly where the ISA has it.
inline vf where_offset(const int8_t* at, int64_t offset, vf value) {
#if FNN_W == 16 && defined(__AVX512BW__) && defined(__AVX512VL__)
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
  const __mmask16 equal = _mm_cmpeq_epi8_mask(bytes, _mm_set1_epi8(static_cast<char>(offset)));
  return (vf)_mm512_maskz_mov_ps(equal, (__m512)value);
#elif FNN_W == 8 && defined(__AVX2__)
  const __m256i lanes = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(at)));
  const __m256i equal = _mm256_cmpeq_epi32(lanes, _mm256_set1_epi32(static_cast<int>(offset)));
  return (vf)_mm256_and_ps(_mm256_castsi256_ps(equal), (__m256)value);
#else
  return load_offsets(at) == splat(static_cast<float>(offset)) ? value : vf{};
#endif
}

}  // namespace
