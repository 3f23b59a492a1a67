// Max pooling, NHWC, with tfjs-cpu's semantics: a window's maximum starts at -Infinity and only a
// strictly greater value replaces it (padding and NaN never win); its gradient goes to that first
// maximum in scan order (y, then x), and nowhere when the window has none.
#pragma once
#include "im2col.h"

namespace {

// The window of output pixel (b, oy, ox), clipped to the image.
struct PoolWindow {
  int64_t y0, x0, y_begin, y_end, x_begin, x_end;
  PoolWindow(const fnn::ConvShape& s, int64_t oy, int64_t ox)
      : y0(oy * s.sh - s.pad_top),
        x0(ox * s.sw - s.pad_left),
        y_begin(imax(y0, 0)),
        y_end(imin(y0 + s.fh, s.h)),
        x_begin(imax(x0, 0)),
        x_end(imin(x0 + s.fw, s.w)) {}
};

void max_pool(const fnn::ConvShape& s, const float* x, float* out) {
  const int64_t c = s.cin;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        float* o = out + ((b * s.oh + oy) * s.ow + ox) * c;
        for (int64_t ch = 0; ch < c; ++ch) o[ch] = -__builtin_inff();
        const PoolWindow win(s, oy, ox);
        for (int64_t y = win.y_begin; y < win.y_end; ++y)
          for (int64_t xx = win.x_begin; xx < win.x_end; ++xx) {
            const float* xi = x + ((b * s.h + y) * s.w + xx) * c;
            for (int64_t ch = 0; ch < c; ++ch) o[ch] = xi[ch] > o[ch] ? xi[ch] : o[ch];
          }
      }
}

// Each channel's first strict maximum in the window, as its offset ky * fw + kx (-1 for none).
void window_argmax(const fnn::ConvShape& s, const float* image, const PoolWindow& win, float* best, int32_t* at) {
  const int64_t c = s.cin;
  for (int64_t ch = 0; ch < c; ++ch) {
    best[ch] = -__builtin_inff();
    at[ch] = -1;
  }
  for (int64_t y = win.y_begin; y < win.y_end; ++y)
    for (int64_t xx = win.x_begin; xx < win.x_end; ++xx) {
      const float* xi = image + (y * s.w + xx) * c;
      const int32_t offset = static_cast<int32_t>((y - win.y0) * s.fw + (xx - win.x0));
      for (int64_t ch = 0; ch < c; ++ch) {
        const bool more = xi[ch] > best[ch];
        best[ch] = more ? xi[ch] : best[ch];
        at[ch] = more ? offset : at[ch];
      }
    }
}

// Windows that never overlap (strides at least the window) cover each input at most once: its
// gradient is written (0 + dy, as tfjs-cpu's sum from 0 rounds -0 to +0) instead of added.
inline bool windows_disjoint(const fnn::ConvShape& s) { return s.sh >= s.fh && s.sw >= s.fw; }

// Whether disjoint windows also cover every input (then no input needs zeroing first).
inline bool windows_cover_image(const fnn::ConvShape& s) {
  return s.sh == s.fh && s.sw == s.fw && s.pad_top == 0 && s.pad_left == 0 && s.oh * s.sh >= s.h &&
         s.ow * s.sw >= s.w;
}

void max_pool_grad(const fnn::ConvShape& s, const float* dy, const float* x, float* dx) {
  const int64_t c = s.cin;
  const bool disjoint = windows_disjoint(s);
  if (!disjoint || !windows_cover_image(s)) zero_floats(dx, s.batch * s.h * s.w * c);
  float* best = fnn_scratch(fnn::kScratchPoolMaxima, static_cast<size_t>(c));
  int32_t* at = reinterpret_cast<int32_t*>(fnn_scratch(fnn::kScratchPoolArgmax, static_cast<size_t>(c)));
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        const PoolWindow win(s, oy, ox);
        const int64_t image = b * s.h * s.w * c;
        window_argmax(s, x + image, win, best, at);
        const float* g = dy + ((b * s.oh + oy) * s.ow + ox) * c;
        // Every input of the window gets its channels' dy where it is the maximum, in window
        // order; adding +0 elsewhere leaves a sum that started at +0 unchanged.
        for (int64_t y = win.y_begin; y < win.y_end; ++y)
          for (int64_t xx = win.x_begin; xx < win.x_end; ++xx) {
            float* d = dx + image + (y * s.w + xx) * c;
            const int32_t offset = static_cast<int32_t>((y - win.y0) * s.fw + (xx - win.x0));
            if (disjoint)
              for (int64_t ch = 0; ch < c; ++ch) d[ch] = at[ch] == offset ? g[ch] + 0.0f : 0.0f;
            else
              for (int64_t ch = 0; ch < c; ++ch) d[ch] += at[ch] == offset ? g[ch] : 0.0f;
          }
      }
}

}  // namespace
