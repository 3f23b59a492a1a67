// The vector type every kernel family is written over: GCC/Clang vector extensions of FNN_W floats
// (16 for AVX-512, 8 for AVX2, 4 for the portable baseline), set by the isa_*.cc file including it.
#pragma once
#include "kernels.h"

#ifndef FNN_W
#error "FNN_W (floats per vector) must be defined by the including file"
#endif

namespace {

typedef float vf __attribute__((vector_size(FNN_W * 4)));
typedef float vfu __attribute__((vector_size(FNN_W * 4), aligned(4)));
constexpr int W = FNN_W;
// FNN_W doubles, for sums kept in double (vdu: at any 8-byte boundary).
typedef double vd __attribute__((vector_size(FNN_W * 8)));
typedef double vdu __attribute__((vector_size(FNN_W * 8), aligned(8)));

inline vf load(const float* p) { return *reinterpret_cast<const vfu*>(p); }
inline void store(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }
inline vf splat(float x) { return vf{} + x; }
// relu as tfjs-cpu computes it, Math.max(0, x): NaN stays NaN (a max instruction returns the 0
// for it, hiding a diverged model behind finite numbers) and -0 becomes +0.
inline float relu(float x) { return x <= 0.0f ? 0.0f : x; }
inline vf relu(vf x) { return x <= vf{} ? vf{} : x; }
inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

}  // namespace
