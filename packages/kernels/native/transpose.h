// Batched 2-D transpose in cache-sized tiles.
#pragma once
#include "simd_vectors.h"

namespace {

void transpose(const float* x, float* out, int64_t batch, int64_t rows, int64_t cols) {
  constexpr int64_t T = 16;
  for (int64_t bi = 0; bi < batch; ++bi) {
    const float* xb = x + bi * rows * cols;
    float* ob = out + bi * rows * cols;
    for (int64_t r0 = 0; r0 < rows; r0 += T)
      for (int64_t c0 = 0; c0 < cols; c0 += T) {
        const int64_t r1 = imin(r0 + T, rows), c1 = imin(c0 + T, cols);
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t r = r0; r < r1; ++r) ob[c * rows + r] = xb[r * cols + c];
      }
  }
}

}  // namespace
