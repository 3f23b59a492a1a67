// Element-wise ops: binary arithmetic with broadcasting, comparisons, unary functions, select
// (the compiler vectorizes these loops for the file's ISA).
#pragma once
#include "simd_vectors.h"

namespace {

template <int OP>
inline float apply_binary(float x, float y) {
  if (OP == fnn::kAdd) return x + y;
  if (OP == fnn::kSub) return x - y;
  if (OP == fnn::kMul) return x * y;
  if (OP == fnn::kDiv) return x / y;
  if (OP == fnn::kMax) return (x != x || y != y) ? __builtin_nanf("") : (x > y ? x : y);
  if (OP == fnn::kMin) return (x != x || y != y) ? __builtin_nanf("") : (x < y ? x : y);
  const float d = x - y;
  return d * d;
}

template <int OP, typename Out, typename F>
inline void broadcast_loop(int mode, const float* a, const float* b, Out* out, int64_t outer, int64_t inner, F f) {
  const int64_t n = outer * inner;
  switch (mode) {
    case fnn::kSame:
      for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
      break;
    case fnn::kScalarB: {
      const float y = b[0];
      for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], y);
      break;
    }
    case fnn::kScalarA: {
      const float x = a[0];
      for (int64_t i = 0; i < n; ++i) out[i] = f(x, b[i]);
      break;
    }
    case fnn::kRowB:
      for (int64_t o = 0; o < outer; ++o) {
        const float* ar = a + o * inner;
        Out* orow = out + o * inner;
        for (int64_t i = 0; i < inner; ++i) orow[i] = f(ar[i], b[i]);
      }
      break;
    case fnn::kRowA:
      for (int64_t o = 0; o < outer; ++o) {
        const float* br = b + o * inner;
        Out* orow = out + o * inner;
        for (int64_t i = 0; i < inner; ++i) orow[i] = f(a[i], br[i]);
      }
      break;
    case fnn::kColB:
      for (int64_t o = 0; o < outer; ++o) {
        const float* ar = a + o * inner;
        const float y = b[o];
        Out* orow = out + o * inner;
        for (int64_t i = 0; i < inner; ++i) orow[i] = f(ar[i], y);
      }
      break;
    case fnn::kColA:
      for (int64_t o = 0; o < outer; ++o) {
        const float* br = b + o * inner;
        const float x = a[o];
        Out* orow = out + o * inner;
        for (int64_t i = 0; i < inner; ++i) orow[i] = f(x, br[i]);
      }
      break;
  }
}

void binary(int op, int mode, const float* a, const float* b, float* out, int64_t outer, int64_t inner) {
#define FNN_BIN(OPC) \
  case OPC: \
    broadcast_loop<OPC>(mode, a, b, out, outer, inner, [](float x, float y) { return apply_binary<OPC>(x, y); }); \
    break;
  switch (op) {
    FNN_BIN(fnn::kAdd)
    FNN_BIN(fnn::kSub)
    FNN_BIN(fnn::kMul)
    FNN_BIN(fnn::kDiv)
    FNN_BIN(fnn::kMax)
    FNN_BIN(fnn::kMin)
    FNN_BIN(fnn::kSquaredDiff)
  }
#undef FNN_BIN
}

void compare(int op, int mode, const float* a, const float* b, uint8_t* out, int64_t outer, int64_t inner) {
#define FNN_CMP(OPC, EXPR) \
  case OPC: \
    broadcast_loop<OPC>(mode, a, b, out, outer, inner, [](float x, float y) -> uint8_t { return (EXPR) ? 1 : 0; }); \
    break;
  switch (op) {
    FNN_CMP(fnn::kGreater, x > y)
    FNN_CMP(fnn::kGreaterEqual, x >= y)
    FNN_CMP(fnn::kLess, x < y)
    FNN_CMP(fnn::kLessEqual, x <= y)
    FNN_CMP(fnn::kEqual, x == y)
    FNN_CMP(fnn::kNotEqual, x != y)
  }
#undef FNN_CMP
}

void unary(int op, const float* x, float* out, int64_t n, float alpha) {
  switch (op) {
    case fnn::kRelu:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] < 0.0f ? 0.0f : x[i];
      break;
    case fnn::kRelu6:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] < 0.0f ? 0.0f : (x[i] > 6.0f ? 6.0f : x[i]);
      break;
    case fnn::kStep:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] != x[i] ? x[i] : (x[i] > 0.0f ? 1.0f : alpha);
      break;
    case fnn::kExp:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_expf(x[i]);
      break;
    case fnn::kLog:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_logf(x[i]);
      break;
    case fnn::kNeg:
      for (int64_t i = 0; i < n; ++i) out[i] = -x[i];
      break;
    case fnn::kSqrt:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_sqrtf(x[i]);
      break;
    case fnn::kSquare:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] * x[i];
      break;
    case fnn::kSigmoid:
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(1.0 / (1.0 + __builtin_exp(-static_cast<double>(x[i]))));
      break;
    case fnn::kTanh:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_tanhf(x[i]);
      break;
    case fnn::kRsqrt:
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(1.0 / __builtin_sqrt(static_cast<double>(x[i])));
      break;
    case fnn::kAbs:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_fabsf(x[i]);
      break;
    case fnn::kReciprocal:
      for (int64_t i = 0; i < n; ++i) out[i] = 1.0f / x[i];
      break;
  }
}

void select(const uint8_t* cond, const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = cond[i] ? a[i] : b[i];
}

}  // namespace
