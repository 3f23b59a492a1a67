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

inline vf load(const float* p) { return *reinterpret_cast<const vfu*>(p); }
inline void store(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }
inline vf splat(float x) { return vf{} + x; }
inline vf vmax(vf a, vf b) { return a > b ? a : b; }
inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

}  // namespace
