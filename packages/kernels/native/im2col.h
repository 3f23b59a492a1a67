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

// Taps per window: the im2col matrix's columns, the filter's rows.
inline int64_t conv_taps(const fnn::ConvShape& s) { return s.fh * s.fw * s.cin; }

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

// `count` whole runs of N taps, the image's runs `step` floats apart and the block's `taps` apart.
// N known at compile time turns a first layer's 3-float runs into two moves instead of a loop.
template <bool kAdjoint, int N>
void fixed_runs(float* image, float* block, int64_t count, int64_t step, int64_t taps) {
  for (int64_t i = 0; i < count; ++i, image += step, block += taps)
    for (int j = 0; j < N; ++j) {
      if (kAdjoint) image[j] += block[j];
      else block[j] = image[j];
    }
}

template <bool kAdjoint>
void whole_runs(float* image, float* block, int64_t count, int64_t run, int64_t step, int64_t taps) {
  switch (run) {
    case 1: return fixed_runs<kAdjoint, 1>(image, block, count, step, taps);
    case 2: return fixed_runs<kAdjoint, 2>(image, block, count, step, taps);
    case 3: return fixed_runs<kAdjoint, 3>(image, block, count, step, taps);
    case 4: return fixed_runs<kAdjoint, 4>(image, block, count, step, taps);
    case 5: return fixed_runs<kAdjoint, 5>(image, block, count, step, taps);
    case 6: return fixed_runs<kAdjoint, 6>(image, block, count, step, taps);
    case 7: return fixed_runs<kAdjoint, 7>(image, block, count, step, taps);
    case 8: return fixed_runs<kAdjoint, 8>(image, block, count, step, taps);
    default:
      for (int64_t i = 0; i < count; ++i, image += step, block += taps) window_run<kAdjoint>(image, block, run);
  }
}

// One window's filter row that leaves the image's width (or has dilation): tap by tap.
template <bool kAdjoint>
void edge_run(const fnn::ConvShape& s, float* line, int64_t x0, float* col) {
  for (int64_t kx = 0; kx < s.fw; ++kx) {
    const int64_t xx = x0 + kx * s.dw;
    if (xx >= 0 && xx < s.w) window_run<kAdjoint>(line + xx * s.cin, col + kx * s.cin, s.cin);
    else if (!kAdjoint) zero_floats(col + kx * s.cin, s.cin);
  }
}

// One filter row ky of the windows of output pixels (b, oy, ox) for ox in [ox0, ox1): the rows
// start at `rows` (taps floats apart), this filter row's taps at column ky * fw * cin. Windows
// inside the image's width (with dilation 1) take their filter row as one run of fw * cin floats.
template <bool kAdjoint>
void window_row(const fnn::ConvShape& s, float* batch_image, int64_t oy, int64_t ky, int64_t ox0, int64_t ox1,
                float* rows) {
  const int64_t run = s.fw * s.cin, taps = s.fh * run;
  float* col = rows + ky * run;
  const int64_t y = oy * s.sh - s.pad_top + ky * s.dh;
  if (y < 0 || y >= s.h) {
    if (!kAdjoint)
      for (int64_t ox = ox0; ox < ox1; ++ox, col += taps) zero_floats(col, run);
    return;
  }
  float* line = batch_image + y * s.w * s.cin;
  // Whole runs for ox in [inside_begin, inside_end): ox * sw - pad_left >= 0 and + fw <= w.
  int64_t inside_begin = ox1, inside_end = ox1;
  if (s.dw == 1 && s.fw <= s.w) {
    inside_begin = imin(imax(ox0, (s.pad_left + s.sw - 1) / s.sw), ox1);
    inside_end = imax(imin(ox1, (s.w - s.fw + s.pad_left) / s.sw + 1), inside_begin);
  }
  for (int64_t ox = ox0; ox < inside_begin; ++ox) edge_run<kAdjoint>(s, line, ox * s.sw - s.pad_left, col + (ox - ox0) * taps);
  whole_runs<kAdjoint>(line + (inside_begin * s.sw - s.pad_left) * s.cin, col + (inside_begin - ox0) * taps,
                       inside_end - inside_begin, run, s.sw * s.cin, taps);
  for (int64_t ox = inside_end; ox < ox1; ++ox) edge_run<kAdjoint>(s, line, ox * s.sw - s.pad_left, col + (ox - ox0) * taps);
}

// Rows [p0, p0 + rows) of the im2col matrix of x (kAdjoint false: block = those rows), or their
// adjoint (kAdjoint true: each row of block is added back into dx = image at its window's taps;
// any one input receives its terms in output-pixel order, so overlapping windows sum in a fixed
// order). Walked one output row at a time, a filter row at a time.
template <bool kAdjoint>
void im2col_block(const fnn::ConvShape& s, float* image, int64_t p0, int64_t rows, float* block) {
  const int64_t taps = s.fh * s.fw * s.cin, plane = s.oh * s.ow, end = p0 + rows;
  for (int64_t p = p0; p < end;) {
    const int64_t b = p / plane, oy = p / s.ow % s.oh, ox0 = p % s.ow;
    const int64_t ox1 = imin(s.ow, ox0 + (end - p));
    float* batch_image = image + b * s.h * s.w * s.cin;
    for (int64_t ky = 0; ky < s.fh; ++ky) window_row<kAdjoint>(s, batch_image, oy, ky, ox0, ox1, block + (p - p0) * taps);
    p += ox1 - ox0;
  }
}

inline void im2col_rows(const fnn::ConvShape& s, const float* x, int64_t p0, int64_t rows, float* block) {
  im2col_block<false>(s, const_cast<float*>(x), p0, rows, block);  // reads x only
}

inline void col2im_rows(const fnn::ConvShape& s, const float* block, int64_t p0, int64_t rows, float* dx) {
  im2col_block<true>(s, dx, p0, rows, const_cast<float*>(block));  // reads block only
}

}  // namespace
