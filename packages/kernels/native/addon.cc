// Node-API glue: picks the kernel table for this CPU once, then exposes each kernel as a
// function over typed arrays (zero copy: the kernels read and write the arrays' own memory).
// Argument checking happens in TypeScript (src/addon.ts); this file trusts its caller.
#include <napi.h>

#include <cstdlib>
#include <cstring>

#include "kernels.h"

namespace fnn {
void RegisterWeightedSum(Napi::Env env, Napi::Object exports);  // weighted_sum.cc
}

namespace {

const fnn::KernelTable* PickTable() {
  const char* forced = std::getenv("FNN_NATIVE_ISA");
#if defined(FNN_HAVE_X86_TABLES)
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (forced && std::strcmp(forced, "portable") == 0) return &fnn::kTablePortable;
  if (forced && std::strcmp(forced, "avx2") == 0 && avx2) return &fnn::kTableAvx2;
  if (avx512 && !(forced && std::strcmp(forced, "avx2") == 0)) return &fnn::kTableAvx512;
  if (avx2) return &fnn::kTableAvx2;
#else
  (void)forced;
#endif
  return &fnn::kTablePortable;
}

const fnn::KernelTable& K() {
  static const fnn::KernelTable* table = PickTable();
  return *table;
}

float* F32(const Napi::Value& v) { return v.IsNull() || v.IsUndefined() ? nullptr : v.As<Napi::Float32Array>().Data(); }
uint8_t* U8(const Napi::Value& v) { return v.As<Napi::Uint8Array>().Data(); }
int32_t* I32(const Napi::Value& v) { return v.As<Napi::Int32Array>().Data(); }
int64_t Int(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }
float Flt(const Napi::Value& v) { return v.As<Napi::Number>().FloatValue(); }

Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), K().isa); }

// gemm(a, b, out, batch, M, N, K, transposeA, transposeB, aBatchStride, bBatchStride, bias, activation)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const float* a = F32(info[0]);
  const float* b = F32(info[1]);
  float* out = F32(info[2]);
  const int64_t batch = Int(info[3]), M = Int(info[4]), N = Int(info[5]), Kd = Int(info[6]);
  const bool ta = info[7].As<Napi::Boolean>(), tb = info[8].As<Napi::Boolean>();
  const int64_t a_bs = Int(info[9]), b_bs = Int(info[10]);
  const float* bias = F32(info[11]);
  const int act = static_cast<int>(Int(info[12]));
  const int64_t a_rs = ta ? 1 : Kd, a_cs = ta ? M : 1;
  const int64_t b_rs = tb ? 1 : N, b_cs = tb ? Kd : 1;
  for (int64_t i = 0; i < batch; ++i)
    K().gemm(M, N, Kd, a + i * a_bs, a_rs, a_cs, b + i * b_bs, b_rs, b_cs, out + i * M * N, N, bias, act);
  return info.Env().Undefined();
}

// binary(op, mode, a, b, out, outer, inner)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  K().binary(static_cast<int>(Int(info[0])), static_cast<int>(Int(info[1])), F32(info[2]), F32(info[3]), F32(info[4]),
             Int(info[5]), Int(info[6]));
  return info.Env().Undefined();
}

Napi::Value Compare(const Napi::CallbackInfo& info) {
  K().compare(static_cast<int>(Int(info[0])), static_cast<int>(Int(info[1])), F32(info[2]), F32(info[3]),
              U8(info[4]), Int(info[5]), Int(info[6]));
  return info.Env().Undefined();
}

// unary(op, x, out, alpha)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  auto x = info[1].As<Napi::Float32Array>();
  K().unary(static_cast<int>(Int(info[0])), x.Data(), F32(info[2]), static_cast<int64_t>(x.ElementLength()),
            Flt(info[3]));
  return info.Env().Undefined();
}

Napi::Value Select(const Napi::CallbackInfo& info) {
  auto cond = info[0].As<Napi::Uint8Array>();
  K().select(cond.Data(), F32(info[1]), F32(info[2]), F32(info[3]), static_cast<int64_t>(cond.ElementLength()));
  return info.Env().Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  K().softmax(F32(info[0]), F32(info[1]), Int(info[2]), Int(info[3]));
  return info.Env().Undefined();
}

Napi::Value SumRows(const Napi::CallbackInfo& info) {
  K().sum_rows(F32(info[0]), F32(info[1]), Int(info[2]), Int(info[3]));
  return info.Env().Undefined();
}

Napi::Value ReduceCols(const Napi::CallbackInfo& info) {
  K().reduce_cols(static_cast<int>(Int(info[0])), F32(info[1]), F32(info[2]), Int(info[3]), Int(info[4]));
  return info.Env().Undefined();
}

Napi::Value ArgmaxCols(const Napi::CallbackInfo& info) {
  K().argmax_cols(F32(info[0]), I32(info[1]), Int(info[2]), Int(info[3]));
  return info.Env().Undefined();
}

Napi::Value Transpose(const Napi::CallbackInfo& info) {
  K().transpose(F32(info[0]), F32(info[1]), Int(info[2]), Int(info[3]), Int(info[4]));
  return info.Env().Undefined();
}

// The optimizer updates take arrays of Float32Arrays (one per parameter) and run over all of
// them in one native call.
float* Item(const Napi::Value& list, uint32_t i) {
  if (list.IsNull() || list.IsUndefined()) return nullptr;
  return list.As<Napi::Array>().Get(i).As<Napi::Float32Array>().Data();
}

// adam(params, grads, m, v, lrT, beta1, beta2, epsilon)
Napi::Value Adam(const Napi::CallbackInfo& info) {
  auto params = info[0].As<Napi::Array>();
  const double b1 = info[5].As<Napi::Number>().DoubleValue(), b2 = info[6].As<Napi::Number>().DoubleValue();
  const float lr_t = Flt(info[4]), eps = Flt(info[7]);
  for (uint32_t i = 0; i < params.Length(); ++i) {
    auto p = params.Get(i).As<Napi::Float32Array>();
    K().adam(p.Data(), Item(info[1], i), Item(info[2], i), Item(info[3], i), static_cast<int64_t>(p.ElementLength()),
             lr_t, static_cast<float>(b1), static_cast<float>(b2), static_cast<float>(1.0 - b1),
             static_cast<float>(1.0 - b2), eps);
  }
  return info.Env().Undefined();
}

// sgd(params, grads, velocities | null, lr, momentum, nesterov)
Napi::Value Sgd(const Napi::CallbackInfo& info) {
  auto params = info[0].As<Napi::Array>();
  const float lr = Flt(info[3]), momentum = Flt(info[4]);
  const int nesterov = info[5].As<Napi::Boolean>() ? 1 : 0;
  for (uint32_t i = 0; i < params.Length(); ++i) {
    auto p = params.Get(i).As<Napi::Float32Array>();
    K().sgd(p.Data(), Item(info[1], i), Item(info[2], i), static_cast<int64_t>(p.ElementLength()), lr, momentum,
            nesterov);
  }
  return info.Env().Undefined();
}

// rmsprop(params, grads, meanSquares, moments | null, lr, rho, momentum, epsilon)
Napi::Value Rmsprop(const Napi::CallbackInfo& info) {
  auto params = info[0].As<Napi::Array>();
  const double rho = info[5].As<Napi::Number>().DoubleValue();
  const float lr = Flt(info[4]), momentum = Flt(info[6]), eps = Flt(info[7]);
  for (uint32_t i = 0; i < params.Length(); ++i) {
    auto p = params.Get(i).As<Napi::Float32Array>();
    K().rmsprop(p.Data(), Item(info[1], i), Item(info[2], i), Item(info[3], i),
                static_cast<int64_t>(p.ElementLength()), lr, static_cast<float>(rho), static_cast<float>(1.0 - rho),
                momentum, eps);
  }
  return info.Env().Undefined();
}

// batchNorm(x, mean, variance, offset | null, scale | null, epsilon, out, rows, channels)
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  K().batchnorm(F32(info[0]), F32(info[1]), F32(info[2]), F32(info[3]), F32(info[4]), Flt(info[5]), F32(info[6]),
                Int(info[7]), Int(info[8]));
  return info.Env().Undefined();
}

// batchNormTrain(x, gamma | null, beta | null, epsilon, out, mean, variance, invStd, rows, channels)
Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
  K().batchnorm_train(F32(info[0]), F32(info[1]), F32(info[2]), Flt(info[3]), F32(info[4]), F32(info[5]),
                      F32(info[6]), F32(info[7]), Int(info[8]), Int(info[9]));
  return info.Env().Undefined();
}

// batchNormBackward(dy, x, mean, invStd, gamma | null, dx | null, dgamma, dbeta, rows, channels)
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  K().batchnorm_backward(F32(info[0]), F32(info[1]), F32(info[2]), F32(info[3]), F32(info[4]), F32(info[5]),
                         F32(info[6]), F32(info[7]), Int(info[8]), Int(info[9]));
  return info.Env().Undefined();
}

// maxPool(x, out, [batch, h, w, c, oh, ow, fh, fw, sh, sw, padTop, padLeft])
void PoolDims(const Napi::Value& v, int64_t d[12]) {
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < 12; ++i) d[i] = arr.Get(i).As<Napi::Number>().Int64Value();
}

Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  int64_t d[12];
  PoolDims(info[2], d);
  K().max_pool(F32(info[0]), F32(info[1]), d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11]);
  return info.Env().Undefined();
}

// maxPoolGrad(dy, x, dx, dims)
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  int64_t d[12];
  PoolDims(info[3], d);
  K().max_pool_grad(F32(info[0]), F32(info[1]), F32(info[2]), d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8],
                    d[9], d[10], d[11]);
  return info.Env().Undefined();
}

// Convolution geometry: [batch, h, w, cin, oh, ow, fh, fw, sh, sw, padTop, padLeft, dh, dw]
struct ConvDims {
  int64_t batch, h, w, cin, oh, ow, fh, fw, sh, sw, pt, pl, dh, dw;
};
ConvDims ReadConv(const Napi::Value& v) {
  auto arr = v.As<Napi::Array>();
  int64_t d[14];
  for (uint32_t i = 0; i < 14; ++i) d[i] = arr.Get(i).As<Napi::Number>().Int64Value();
  return {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13]};
}

// im2col(x, cols, dims): cols[(b,oy,ox), (ky,kx,ci)], zero where the window leaves the image.
Napi::Value Im2col(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0]);
  float* cols = F32(info[1]);
  const ConvDims d = ReadConv(info[2]);
  const int64_t row = d.fh * d.fw * d.cin;
  for (int64_t b = 0; b < d.batch; ++b)
    for (int64_t oy = 0; oy < d.oh; ++oy)
      for (int64_t ox = 0; ox < d.ow; ++ox) {
        float* dst = cols + ((b * d.oh + oy) * d.ow + ox) * row;
        for (int64_t ky = 0; ky < d.fh; ++ky) {
          const int64_t y = oy * d.sh - d.pt + ky * d.dh;
          for (int64_t kx = 0; kx < d.fw; ++kx, dst += d.cin) {
            const int64_t xx = ox * d.sw - d.pl + kx * d.dw;
            if (y < 0 || y >= d.h || xx < 0 || xx >= d.w) {
              std::memset(dst, 0, sizeof(float) * d.cin);
            } else {
              std::memcpy(dst, x + ((b * d.h + y) * d.w + xx) * d.cin, sizeof(float) * d.cin);
            }
          }
        }
      }
  return info.Env().Undefined();
}

// col2im(cols, dx, dims): the adjoint of im2col, summing overlapping windows in a fixed order.
Napi::Value Col2im(const Napi::CallbackInfo& info) {
  const float* cols = F32(info[0]);
  float* dx = F32(info[1]);
  const ConvDims d = ReadConv(info[2]);
  const int64_t row = d.fh * d.fw * d.cin;
  std::memset(dx, 0, sizeof(float) * d.batch * d.h * d.w * d.cin);
  for (int64_t b = 0; b < d.batch; ++b)
    for (int64_t oy = 0; oy < d.oh; ++oy)
      for (int64_t ox = 0; ox < d.ow; ++ox) {
        const float* src = cols + ((b * d.oh + oy) * d.ow + ox) * row;
        for (int64_t ky = 0; ky < d.fh; ++ky) {
          const int64_t y = oy * d.sh - d.pt + ky * d.dh;
          for (int64_t kx = 0; kx < d.fw; ++kx, src += d.cin) {
            const int64_t xx = ox * d.sw - d.pl + kx * d.dw;
            if (y < 0 || y >= d.h || xx < 0 || xx >= d.w) continue;
            float* dst = dx + ((b * d.h + y) * d.w + xx) * d.cin;
            for (int64_t c = 0; c < d.cin; ++c) dst[c] += src[c];
          }
        }
      }
  return info.Env().Undefined();
}

// dropout(x, y, mask, threshold, scale, seed) → the stream's state: @fnn/core's fillDropoutMask
// into mask, bit for bit (a mulberry32 stream from `seed`, mask[i] = u32 >= threshold ? scale : 0),
// and y = x·mask unless x is null.
Napi::Value Dropout(const Napi::CallbackInfo& info) {
  auto mask = info[2].As<Napi::Float32Array>();
  const uint32_t state = K().dropout(F32(info[0]), F32(info[1]), mask.Data(), static_cast<int64_t>(mask.ElementLength()),
                                     info[3].As<Napi::Number>().Uint32Value(), Flt(info[4]),
                                     info[5].As<Napi::Number>().Uint32Value());
  return Napi::Number::New(info.Env(), state);
}

// denseBackward(x, y, dy, w, dw, db, dx, rows, inDim, units, activation): a Dense layer's whole
// backward pass in one call. dz = activation'·dy goes to scratch (dy itself when linear), then
// dw = xᵀ·dz, db = Σ_rows dz and dx = dz·wᵀ (db and dx may be null), each through the same
// kernel the separate ops use, so the bits are theirs.
Napi::Value DenseBackward(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0]);
  const float* y = F32(info[1]);
  const float* dy = F32(info[2]);
  const float* w = F32(info[3]);
  float* dw = F32(info[4]);
  float* db = F32(info[5]);
  float* dx = F32(info[6]);
  const int64_t rows = Int(info[7]), in = Int(info[8]), units = Int(info[9]);
  const int act = static_cast<int>(Int(info[10]));
  const float* dz = dy;
  if (act != fnn::kLinear) {
    float* scratch = fnn_scratch(3, static_cast<size_t>(rows * units));
    K().activation_backward(act, dy, y, scratch, rows, units);
    dz = scratch;
  }
  K().gemm(in, units, rows, x, 1, in, dz, units, 1, dw, units, nullptr, fnn::kLinear);
  if (db) K().sum_rows(dz, db, rows, units);
  if (dx && rows >= 16 && in >= 2 * rows) {
    // dxᵀ = w·dzᵀ: w is read in place and only dz is packed, instead of packing all of wᵀ (a
    // strided copy of the kernel on every call); same products in the same order, same bits.
    float* dxt = fnn_scratch(2, static_cast<size_t>(in * rows));
    K().gemm(in, rows, units, w, units, 1, dz, 1, units, dxt, rows, nullptr, fnn::kLinear);
    K().transpose(dxt, dx, 1, in, rows);
  } else if (dx) {
    K().gemm(rows, in, units, dz, units, 1, w, 1, units, dx, in, nullptr, fnn::kLinear);
  }
  return info.Env().Undefined();
}

// categoricalCrossentropy(t, p, grad, rows, cols, lo, hi, negInvRows) → the mean loss; grad may be null.
Napi::Value CategoricalCrossentropy(const Napi::CallbackInfo& info) {
  const float loss = K().categorical_crossentropy(F32(info[0]), F32(info[1]), F32(info[2]), Int(info[3]), Int(info[4]),
                                                  Flt(info[5]), Flt(info[6]), Flt(info[7]));
  return Napi::Number::New(info.Env(), loss);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  fnn::RegisterWeightedSum(env, exports);
  exports["isa"] = Napi::Function::New(env, Isa);
  exports["gemm"] = Napi::Function::New(env, Gemm);
  exports["binary"] = Napi::Function::New(env, Binary);
  exports["compare"] = Napi::Function::New(env, Compare);
  exports["unary"] = Napi::Function::New(env, Unary);
  exports["select"] = Napi::Function::New(env, Select);
  exports["softmax"] = Napi::Function::New(env, Softmax);
  exports["sumRows"] = Napi::Function::New(env, SumRows);
  exports["reduceCols"] = Napi::Function::New(env, ReduceCols);
  exports["argmaxCols"] = Napi::Function::New(env, ArgmaxCols);
  exports["transpose"] = Napi::Function::New(env, Transpose);
  exports["adam"] = Napi::Function::New(env, Adam);
  exports["sgd"] = Napi::Function::New(env, Sgd);
  exports["rmsprop"] = Napi::Function::New(env, Rmsprop);
  exports["batchNorm"] = Napi::Function::New(env, BatchNorm);
  exports["batchNormTrain"] = Napi::Function::New(env, BatchNormTrain);
  exports["batchNormBackward"] = Napi::Function::New(env, BatchNormBackward);
  exports["maxPool"] = Napi::Function::New(env, MaxPool);
  exports["maxPoolGrad"] = Napi::Function::New(env, MaxPoolGrad);
  exports["im2col"] = Napi::Function::New(env, Im2col);
  exports["col2im"] = Napi::Function::New(env, Col2im);
  exports["dropout"] = Napi::Function::New(env, Dropout);
  exports["denseBackward"] = Napi::Function::New(env, DenseBackward);
  exports["categoricalCrossentropy"] = Napi::Function::New(env, CategoricalCrossentropy);
  return exports;
}

}  // namespace

// Per-thread scratch (each worker thread is its own OS thread), 64-byte aligned, grown on demand.
extern "C" float* fnn_scratch(int slot, size_t floats) {
  struct Buffers {
    float* data[4] = {nullptr, nullptr, nullptr, nullptr};
    size_t size[4] = {0, 0, 0, 0};
    ~Buffers() {
      for (float* p : data) std::free(p);
    }
  };
  thread_local Buffers buffers;
  if (buffers.size[slot] < floats) {
    std::free(buffers.data[slot]);
    const size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
    buffers.data[slot] = static_cast<float*>(std::aligned_alloc(64, bytes > 0 ? bytes : 64));
    buffers.size[slot] = floats;
  }
  return buffers.data[slot];
}

NODE_API_MODULE(fnn_kernels, Init)
