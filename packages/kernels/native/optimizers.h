// Optimizer updates (Keras formulas), one pass over each parameter.
#pragma once
#include "simd_vectors.h"

namespace {

void adam(float* p, const float* g, float* m, float* v, int64_t n, float lr_t, float beta1, float beta2, float c1,
          float c2, float epsilon) {
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + c1 * gi;
    const float vi = beta2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr_t * mi / (__builtin_sqrtf(vi) + epsilon);
  }
}

void sgd(float* p, const float* g, float* velocity, int64_t n, float lr, float momentum, int nesterov) {
  if (!velocity) {
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * g[i];
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const float vi = momentum * velocity[i] - lr * g[i];
    velocity[i] = vi;
    p[i] += nesterov ? momentum * vi - lr * g[i] : vi;
  }
}

void rmsprop(float* p, const float* g, float* ms, float* mom, int64_t n, float lr, float rho, float c, float momentum,
             float epsilon) {
  for (int64_t i = 0; i < n; ++i) {
    const float gi = g[i];
    const float si = rho * ms[i] + c * gi * gi;
    ms[i] = si;
    const float step = lr * gi / (__builtin_sqrtf(si) + epsilon);
    if (mom) {
      const float mi = momentum * mom[i] + step;
      mom[i] = mi;
      p[i] -= mi;
    } else {
      p[i] -= step;
    }
  }
}

}  // namespace
