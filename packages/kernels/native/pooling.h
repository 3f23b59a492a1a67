// Max pooling, NHWC; padded positions never win (as in TensorFlow).
#pragma once
#include "simd_vectors.h"

namespace {

void max_pool(const float* x, float* out, int64_t batch, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow,
              int64_t fh, int64_t fw, int64_t sh, int64_t sw, int64_t pad_top, int64_t pad_left) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        float* o = out + ((b * oh + oy) * ow + ox) * c;
        for (int64_t ch = 0; ch < c; ++ch) o[ch] = -__builtin_inff();
        const int64_t y0 = oy * sh - pad_top, x0 = ox * sw - pad_left;
        for (int64_t y = imax(y0, 0); y < imin(y0 + fh, h); ++y)
          for (int64_t xx = imax(x0, 0); xx < imin(x0 + fw, w); ++xx) {
            const float* xi = x + ((b * h + y) * w + xx) * c;
            for (int64_t ch = 0; ch < c; ++ch) o[ch] = xi[ch] > o[ch] ? xi[ch] : o[ch];
          }
      }
}

void max_pool_grad(const float* dy, const float* x, float* dx, int64_t batch, int64_t h, int64_t w, int64_t c,
                   int64_t oh, int64_t ow, int64_t fh, int64_t fw, int64_t sh, int64_t sw, int64_t pad_top,
                   int64_t pad_left) {
  for (int64_t i = 0; i < batch * h * w * c; ++i) dx[i] = 0.0f;
  // Per output pixel, the first maximum of each channel's window (scan order y, x), found for all
  // channels at once; then its gradient goes to that input.
  float* best = fnn_scratch(fnn::kScratchPoolMaxima, static_cast<size_t>(c));
  int64_t* where = reinterpret_cast<int64_t*>(fnn_scratch(fnn::kScratchPoolArgmax, static_cast<size_t>(c) * 2));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t y0 = oy * sh - pad_top, x0 = ox * sw - pad_left;
        bool first = true;
        for (int64_t y = imax(y0, 0); y < imin(y0 + fh, h); ++y)
          for (int64_t xx = imax(x0, 0); xx < imin(x0 + fw, w); ++xx) {
            const int64_t base = ((b * h + y) * w + xx) * c;
            const float* xi = x + base;
            if (first) {
              for (int64_t ch = 0; ch < c; ++ch) {
                best[ch] = xi[ch];
                where[ch] = base + ch;
              }
              first = false;
            } else {
              for (int64_t ch = 0; ch < c; ++ch) {
                const bool more = xi[ch] > best[ch];
                best[ch] = more ? xi[ch] : best[ch];
                where[ch] = more ? base + ch : where[ch];
              }
            }
          }
        if (first) continue;  // a window entirely in the padding
        const float* g = dy + ((b * oh + oy) * ow + ox) * c;
        for (int64_t ch = 0; ch < c; ++ch) dx[where[ch]] += g[ch];
      }
}

}  // namespace
