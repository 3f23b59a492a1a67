// Batch normalization over the last axis: inference (moving statistics) and training mode with
// its backward pass.
#pragma once
#include "reductions.h"

namespace {

void batchnorm(const float* x, const float* mean, const float* var, const float* offset, const float* scale,
               float eps, float* out, int64_t rows, int64_t channels) {
  float* factor = fnn_scratch(fnn::kScratchBatchNormChannels, static_cast<size_t>(channels) * 2);
  float* shift = factor + channels;
  for (int64_t c = 0; c < channels; ++c) {
    const double f = (scale ? scale[c] : 1.0) / __builtin_sqrt(static_cast<double>(var[c]) + eps);
    factor[c] = static_cast<float>(f);
    shift[c] = static_cast<float>((offset ? offset[c] : 0.0) - mean[c] * f);
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    float* orow = out + r * channels;
    for (int64_t c = 0; c < channels; ++c) orow[c] = xr[c] * factor[c] + shift[c];
  }
}

void batchnorm_train(const float* x, const float* gamma, const float* beta, float eps, float* out, float* mean,
                     float* var, float* inv_std, int64_t rows, int64_t channels) {
  sum_rows(x, mean, rows, channels);
  const float inv_n = rows > 0 ? 1.0f / static_cast<float>(rows) : 0.0f;
  for (int64_t c = 0; c < channels; ++c) mean[c] *= inv_n;
  float* acc = fnn_scratch(fnn::kScratchBatchNormChannels, static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) acc[c] = 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      const float d = xr[c] - mean[c];
      acc[c] += d * d;
    }
  }
  for (int64_t c = 0; c < channels; ++c) {
    var[c] = acc[c] * inv_n;
    inv_std[c] = static_cast<float>(1.0 / __builtin_sqrt(static_cast<double>(var[c]) + eps));
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    float* orow = out + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
      orow[c] = (xr[c] - mean[c]) * inv_std[c] * g + b;
    }
  }
}

void batchnorm_backward(const float* dy, const float* x, const float* mean, const float* inv_std, const float* gamma,
                        float* dx, float* dgamma, float* dbeta, int64_t rows, int64_t channels) {
  for (int64_t c = 0; c < channels; ++c) dgamma[c] = dbeta[c] = 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    const float* dyr = dy + r * channels;
    const float* xr = x + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      dbeta[c] += dyr[c];
      dgamma[c] += dyr[c] * (xr[c] - mean[c]) * inv_std[c];
    }
  }
  if (!dx) return;
  const float inv_n = rows > 0 ? 1.0f / static_cast<float>(rows) : 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    const float* dyr = dy + r * channels;
    const float* xr = x + r * channels;
    float* dxr = dx + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      const float xhat = (xr[c] - mean[c]) * inv_std[c];
      const float g = gamma ? gamma[c] : 1.0f;
      dxr[c] = g * inv_std[c] * (dyr[c] - inv_n * dbeta[c] - xhat * inv_n * dgamma[c]);
    }
  }
}

}  // namespace
