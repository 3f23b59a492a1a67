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

// The lanes a window is processed in: a vector of channels, or one channel.
struct VectorLanes {
  using T = vf;
  static vf get(const float* p) { return load(p); }
  static void put(float* p, vf v) { store(p, v); }
};
struct OneLane {
  using T = float;
  static float get(const float* p) { return *p; }
  static void put(float* p, float v) { *p = v; }
};

// One window's maximum for channels [ch, ch + W) (a vector) or one channel (a float).
template <typename Lanes, typename T = typename Lanes::T>
inline T window_max(const fnn::ConvShape& s, const float* image, const PoolWindow& win, int64_t ch) {
  T m = T{} - __builtin_inff();
  for (int64_t y = win.y_begin; y < win.y_end; ++y)
    for (int64_t xx = win.x_begin; xx < win.x_end; ++xx) {
      const T v = Lanes::get(image + (y * s.w + xx) * s.cin + ch);
      m = v > m ? v : m;
    }
  return m;
}

void max_pool(const fnn::ConvShape& s, const float* x, float* out) {
  const int64_t c = s.cin, whole = c - c % W;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        float* o = out + ((b * s.oh + oy) * s.ow + ox) * c;
        const float* image = x + b * s.h * s.w * c;
        const PoolWindow win(s, oy, ox);
        for (int64_t ch = 0; ch < whole; ch += W) store(o + ch, window_max<VectorLanes>(s, image, win, ch));
        for (int64_t ch = whole; ch < c; ++ch) o[ch] = window_max<OneLane>(s, image, win, ch);
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

// One window's first strict maximum for channels [ch, ch + W) (T = vf) or one channel (T = float):
// its value, and its offset ky * fw + kx (-1 for none) as a float.
template <typename Lanes, typename T = typename Lanes::T>
inline void window_argmax(const fnn::ConvShape& s, const PoolWindow& win, const float* x, T& best, T& at) {
  best = T{} - __builtin_inff();
  at = T{} - 1.0f;
  for (int64_t y = win.y_begin; y < win.y_end; ++y)
    for (int64_t xx = win.x_begin; xx < win.x_end; ++xx) {
      const T v = Lanes::get(x + (y * s.w + xx) * s.cin);
      const auto more = v > best;
      best = more ? v : best;
      at = more ? T{} + static_cast<float>((y - win.y0) * s.fw + (xx - win.x0)) : at;
    }
}

// The same for channels [0, W) of a window inside the image whose top-left input is x, its FH x FW
// taps known at compile time (0: the shape's): no clipping, and 2x2 windows fully unrolled.
template <int FH, int FW>
inline void inside_window_argmax(const fnn::ConvShape& s, const float* x, vf& best, vf& at) {
  const int64_t fh = FH ? FH : s.fh, fw = FW ? FW : s.fw, row = s.w * s.cin;
  best = splat(-__builtin_inff());
  at = splat(-1.0f);
  for (int64_t ky = 0; ky < fh; ++ky)
    for (int64_t kx = 0; kx < fw; ++kx) {
      const vf v = load(x + ky * row + kx * s.cin);
      const auto more = v > best;
      best = more ? v : best;
      at = more ? splat(static_cast<float>(ky * fw + kx)) : at;
    }
}

// The gradient through one window for channels [ch, ch + W) (T = vf) or one channel (T = float):
// the window's first strict maximum (its offset ky * fw + kx, -1 for none, as a float) gets dy,
// every other input of the window +0 (written when windows are disjoint, else added in window
// order: adding +0 leaves a sum that started at +0 unchanged).
template <typename Lanes, bool kDisjoint>
inline void window_grad(const fnn::ConvShape& s, const PoolWindow& win, const float* x, float* dx, const float* g) {
  using T = typename Lanes::T;
  T best, at;
  window_argmax<Lanes>(s, win, x, best, at);
  const T grad = Lanes::get(g);
  for (int64_t y = win.y_begin; y < win.y_end; ++y)
    for (int64_t xx = win.x_begin; xx < win.x_end; ++xx) {
      float* d = dx + (y * s.w + xx) * s.cin;
      const float offset = static_cast<float>((y - win.y0) * s.fw + (xx - win.x0));
      const T mine = at == T{} + offset ? grad : T{};
      Lanes::put(d, kDisjoint ? mine + 0.0f : Lanes::get(d) + mine);
    }
}

// window_grad for all whole channel vectors of a window that lies inside the image (see
// inside_window_argmax).
template <int FH, int FW, bool kDisjoint>
inline void inside_window_grad(const fnn::ConvShape& s, const float* x, float* dx, const float* g, int64_t whole) {
  const int64_t fh = FH ? FH : s.fh, fw = FW ? FW : s.fw, c = s.cin, row = s.w * c;
  for (int64_t ch = 0; ch < whole; ch += W) {
    vf best, at;
    inside_window_argmax<FH, FW>(s, x + ch, best, at);
    const vf grad = load(g + ch);
    for (int64_t ky = 0; ky < fh; ++ky)
      for (int64_t kx = 0; kx < fw; ++kx) {
        float* d = dx + ky * row + kx * c + ch;
        const vf mine = at == splat(static_cast<float>(ky * fw + kx)) ? grad : vf{};
        store(d, kDisjoint ? mine + 0.0f : load(d) + mine);
      }
  }
}

template <int FH, int FW, bool kDisjoint>
void max_pool_grad_windows(const fnn::ConvShape& shape, const float* dy, const float* x, float* dx) {
  const fnn::ConvShape s = shape;  // a local copy: stores into dx cannot change it, so it stays in registers
  const int64_t c = s.cin, whole = c - c % W;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        const PoolWindow win(s, oy, ox);
        const int64_t image = b * s.h * s.w * c;
        const float* g = dy + ((b * s.oh + oy) * s.ow + ox) * c;
        const bool inside = win.y_begin == win.y0 && win.x_begin == win.x0 && win.y_end == win.y0 + s.fh &&
                            win.x_end == win.x0 + s.fw;
        if (inside) {
          const int64_t corner = image + (win.y0 * s.w + win.x0) * c;
          inside_window_grad<FH, FW, kDisjoint>(s, x + corner, dx + corner, g, whole);
        } else {
          for (int64_t ch = 0; ch < whole; ch += W)
            window_grad<VectorLanes, kDisjoint>(s, win, x + image + ch, dx + image + ch, g + ch);
        }
        for (int64_t ch = whole; ch < c; ++ch)
          window_grad<OneLane, kDisjoint>(s, win, x + image + ch, dx + image + ch, g + ch);
      }
}

template <bool kDisjoint>
void max_pool_grad_any_window(const fnn::ConvShape& s, const float* dy, const float* x, float* dx) {
  if (s.fh == 2 && s.fw == 2) max_pool_grad_windows<2, 2, kDisjoint>(s, dy, x, dx);
  else max_pool_grad_windows<0, 0, kDisjoint>(s, dy, x, dx);
}

void max_pool_grad(const fnn::ConvShape& s, const float* dy, const float* x, float* dx) {
  const bool disjoint = windows_disjoint(s);
  if (!disjoint || !windows_cover_image(s)) zero_floats(dx, s.batch * s.h * s.w * s.cin);
  if (disjoint) max_pool_grad_any_window<true>(s, dy, x, dx);
  else max_pool_grad_any_window<false>(s, dy, x, dx);
}

}  // namespace
