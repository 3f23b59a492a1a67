// Blocks of the im2col matrix of an NHWC image, and their adjoint: row p is output pixel p
// (b, oy, ox in row-major order), its columns the window's taps (ky, kx, ci), zero where the
// window leaves the image. A filter row's taps lie side by side in x (fw * cin floats) whenever
// the window is inside the image's width and dilation is 1, so most of a block is whole-run copies.
#pragma once
#include "simd_vectors.h"

namespace {

inline void copy_floats(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + W <= n; i += W) store(dst + i, load(src + i));
  for (; i < n; ++i) dst[i] = src[i];
}

inline void add_floats(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + W <= n; i += W) store(dst + i, load(dst + i) + load(src + i));
  for (; i < n; ++i) dst[i] += src[i];
}

inline void zero_floats(float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = 0.0f;
}

// Output pixels in row-major order, from pixel p on.
struct PixelWalk {
  int64_t b, oy, ox;
  PixelWalk(const fnn::ConvShape& s, int64_t p) : b(p / (s.oh * s.ow)), oy(p / s.ow % s.oh), ox(p % s.ow) {}
  void next(const fnn::ConvShape& s) {
    if (++ox < s.ow) return;
    ox = 0;
    if (++oy < s.oh) return;
    oy = 0;
    ++b;
  }
};

// A 1x1 window with stride 1 and no padding: the im2col matrix is x itself.
inline bool is_pointwise(const fnn::ConvShape& s) {
  return s.fh == 1 && s.fw == 1 && s.sh == 1 && s.sw == 1 && s.pad_top == 0 && s.pad_left == 0 && s.oh == s.h &&
         s.ow == s.w;
}

// Whether some window reaches outside the image (into padding, on any side).
inline bool reaches_padding(const fnn::ConvShape& s) {
  const int64_t last_row = (s.oh - 1) * s.sh - s.pad_top + (s.fh - 1) * s.dh;
  const int64_t last_col = (s.ow - 1) * s.sw - s.pad_left + (s.fw - 1) * s.dw;
  return s.pad_top > 0 || s.pad_left > 0 || last_row >= s.h || last_col >= s.w;
}

// One run of taps inside the image: copied from x into the block (im2col), or added from the
// block back into dx (col2im).
template <bool kAdjoint>
inline void window_run(float* image, float* block, int64_t n) {
  if (kAdjoint) add_floats(image, block, n);
  else copy_floats(block, image, n);
}

// Rows [p0, p0 + rows) of the im2col matrix of x (kAdjoint false: block = those rows), or their
// adjoint (kAdjoint true: each row of block is added back into dx = image at its window's taps,
// rows in order, so overlapping windows sum in a fixed order).
template <bool kAdjoint>
void im2col_block(const fnn::ConvShape& s, float* image, int64_t p0, int64_t rows, float* block) {
  const int64_t run = s.fw * s.cin;
  const int64_t taps = s.fh * run;
  PixelWalk at(s, p0);
  for (int64_t p = 0; p < rows; ++p, at.next(s)) {
    float* row = block + p * taps;
    float* batch_image = image + at.b * s.h * s.w * s.cin;
    const int64_t x0 = at.ox * s.sw - s.pad_left;
    const bool whole_run = s.dw == 1 && x0 >= 0 && x0 + s.fw <= s.w;
    for (int64_t ky = 0; ky < s.fh; ++ky, row += run) {
      const int64_t y = at.oy * s.sh - s.pad_top + ky * s.dh;
      if (y < 0 || y >= s.h) {
        if (!kAdjoint) zero_floats(row, run);
        continue;
      }
      float* line = batch_image + y * s.w * s.cin;
      if (whole_run) {
        window_run<kAdjoint>(line + x0 * s.cin, row, run);
        continue;
      }
      for (int64_t kx = 0; kx < s.fw; ++kx) {
        const int64_t xx = x0 + kx * s.dw;
        if (xx >= 0 && xx < s.w) window_run<kAdjoint>(line + xx * s.cin, row + kx * s.cin, s.cin);
        else if (!kAdjoint) zero_floats(row + kx * s.cin, s.cin);
      }
    }
  }
}

inline void im2col_rows(const fnn::ConvShape& s, const float* x, int64_t p0, int64_t rows, float* block) {
  im2col_block<false>(s, const_cast<float*>(x), p0, rows, block);  // reads x only
}

inline void col2im_rows(const fnn::ConvShape& s, const float* block, int64_t p0, int64_t rows, float* dx) {
  im2col_block<true>(s, dx, p0, rows, const_cast<float*>(block));  // reads block only
}

}  // namespace
