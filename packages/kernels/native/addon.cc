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

// A call's arguments, read in order into named locals: the order is the one in each function's
// comment and in src/addon.ts's NativeAddon, with no positional info[i] to keep in step.
class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info) {}
  Napi::Value Next() { return info_[next_++]; }
  float* F32() { return ::F32(Next()); }  // null for null or undefined
  Napi::Float32Array F32Array() { return Next().As<Napi::Float32Array>(); }
  Napi::Uint8Array U8Array() { return Next().As<Napi::Uint8Array>(); }
  uint8_t* U8() { return U8Array().Data(); }
  int32_t* I32() { return Next().As<Napi::Int32Array>().Data(); }
  int64_t Int() { return Next().As<Napi::Number>().Int64Value(); }
  int Code() { return static_cast<int>(Int()); }  // an op, broadcast mode or activation of kernels.h
  uint32_t U32() { return Next().As<Napi::Number>().Uint32Value(); }
  float Flt() { return Next().As<Napi::Number>().FloatValue(); }
  double Dbl() { return Next().As<Napi::Number>().DoubleValue(); }
  bool Bool() { return Next().As<Napi::Boolean>(); }
  // A convolution or pooling geometry: [batch, h, w, cin, oh, ow, cout, fh, fw, sh, sw, padTop,
  // padLeft, dh, dw] (src/kernels/conv-shape.ts).
  fnn::ConvShape Shape() {
    const Napi::Array list = Next().As<Napi::Array>();
    int64_t d[15];
    for (uint32_t i = 0; i < 15; ++i) d[i] = list.Get(i).As<Napi::Number>().Int64Value();
    return {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
  }

 private:
  const Napi::CallbackInfo& info_;
  size_t next_ = 0;
};

Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), K().isa); }

// gemm(a, b, out, batch, M, N, K, transposeA, transposeB, aBatchStride, bBatchStride, bias, activation)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* a = in.F32();
  const float* b = in.F32();
  float* out = in.F32();
  const int64_t batch = in.Int(), M = in.Int(), N = in.Int(), Kd = in.Int();
  const bool transpose_a = in.Bool(), transpose_b = in.Bool();
  const int64_t a_batch_stride = in.Int(), b_batch_stride = in.Int();
  const float* bias = in.F32();
  const int activation = in.Code();
  const int64_t a_rs = transpose_a ? 1 : Kd, a_cs = transpose_a ? M : 1;
  const int64_t b_rs = transpose_b ? 1 : N, b_cs = transpose_b ? Kd : 1;
  for (int64_t i = 0; i < batch; ++i)
    K().gemm(M, N, Kd, a + i * a_batch_stride, a_rs, a_cs, b + i * b_batch_stride, b_rs, b_cs, out + i * M * N, N,
             bias, activation);
  return info.Env().Undefined();
}

// binary(op, mode, a, b, out, outer, inner)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args in(info);
  const int op = in.Code(), mode = in.Code();
  const float* a = in.F32();
  const float* b = in.F32();
  float* out = in.F32();
  const int64_t outer = in.Int(), inner = in.Int();
  K().binary(op, mode, a, b, out, outer, inner);
  return info.Env().Undefined();
}

// compare(op, mode, a, b, out: Uint8Array, outer, inner)
Napi::Value Compare(const Napi::CallbackInfo& info) {
  Args in(info);
  const int op = in.Code(), mode = in.Code();
  const float* a = in.F32();
  const float* b = in.F32();
  uint8_t* out = in.U8();
  const int64_t outer = in.Int(), inner = in.Int();
  K().compare(op, mode, a, b, out, outer, inner);
  return info.Env().Undefined();
}

// unary(op, x, out, alpha)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args in(info);
  const int op = in.Code();
  const Napi::Float32Array x = in.F32Array();
  float* out = in.F32();
  const float alpha = in.Flt();
  K().unary(op, x.Data(), out, static_cast<int64_t>(x.ElementLength()), alpha);
  return info.Env().Undefined();
}

// select(condition: Uint8Array, a, b, out)
Napi::Value Select(const Napi::CallbackInfo& info) {
  Args in(info);
  const Napi::Uint8Array condition = in.U8Array();
  const float* a = in.F32();
  const float* b = in.F32();
  float* out = in.F32();
  K().select(condition.Data(), a, b, out, static_cast<int64_t>(condition.ElementLength()));
  return info.Env().Undefined();
}

// softmax(x, out, rows, cols)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  float* out = in.F32();
  const int64_t rows = in.Int(), cols = in.Int();
  K().softmax(x, out, rows, cols);
  return info.Env().Undefined();
}

// sumRows(x, out, rows, cols)
Napi::Value SumRows(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  float* out = in.F32();
  const int64_t rows = in.Int(), cols = in.Int();
  K().sum_rows(x, out, rows, cols);
  return info.Env().Undefined();
}

// reduceCols(op, x, out, rows, cols)
Napi::Value ReduceCols(const Napi::CallbackInfo& info) {
  Args in(info);
  const int op = in.Code();
  const float* x = in.F32();
  float* out = in.F32();
  const int64_t rows = in.Int(), cols = in.Int();
  K().reduce_cols(op, x, out, rows, cols);
  return info.Env().Undefined();
}

// argmaxCols(x, out: Int32Array, rows, cols)
Napi::Value ArgmaxCols(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  int32_t* out = in.I32();
  const int64_t rows = in.Int(), cols = in.Int();
  K().argmax_cols(x, out, rows, cols);
  return info.Env().Undefined();
}

// transpose(x, out, batch, rows, cols)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  float* out = in.F32();
  const int64_t batch = in.Int(), rows = in.Int(), cols = in.Int();
  K().transpose(x, out, batch, rows, cols);
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
  Args in(info);
  const Napi::Array params = in.Next().As<Napi::Array>();
  const Napi::Value grads = in.Next(), m = in.Next(), v = in.Next();
  const float lr_t = in.Flt();
  const double beta1 = in.Dbl(), beta2 = in.Dbl();
  const float epsilon = in.Flt();
  for (uint32_t i = 0; i < params.Length(); ++i) {
    auto p = params.Get(i).As<Napi::Float32Array>();
    K().adam(p.Data(), Item(grads, i), Item(m, i), Item(v, i), static_cast<int64_t>(p.ElementLength()), lr_t,
             static_cast<float>(beta1), static_cast<float>(beta2), static_cast<float>(1.0 - beta1),
             static_cast<float>(1.0 - beta2), epsilon);
  }
  return info.Env().Undefined();
}

// sgd(params, grads, velocities | null, lr, momentum, nesterov)
Napi::Value Sgd(const Napi::CallbackInfo& info) {
  Args in(info);
  const Napi::Array params = in.Next().As<Napi::Array>();
  const Napi::Value grads = in.Next(), velocities = in.Next();
  const float lr = in.Flt(), momentum = in.Flt();
  const int nesterov = in.Bool() ? 1 : 0;
  for (uint32_t i = 0; i < params.Length(); ++i) {
    auto p = params.Get(i).As<Napi::Float32Array>();
    K().sgd(p.Data(), Item(grads, i), Item(velocities, i), static_cast<int64_t>(p.ElementLength()), lr, momentum,
            nesterov);
  }
  return info.Env().Undefined();
}

// rmsprop(params, grads, meanSquares, moments | null, lr, rho, momentum, epsilon)
Napi::Value Rmsprop(const Napi::CallbackInfo& info) {
  Args in(info);
  const Napi::Array params = in.Next().As<Napi::Array>();
  const Napi::Value grads = in.Next(), mean_squares = in.Next(), moments = in.Next();
  const float lr = in.Flt();
  const double rho = in.Dbl();
  const float momentum = in.Flt(), epsilon = in.Flt();
  for (uint32_t i = 0; i < params.Length(); ++i) {
    auto p = params.Get(i).As<Napi::Float32Array>();
    K().rmsprop(p.Data(), Item(grads, i), Item(mean_squares, i), Item(moments, i),
                static_cast<int64_t>(p.ElementLength()), lr, static_cast<float>(rho), static_cast<float>(1.0 - rho),
                momentum, epsilon);
  }
  return info.Env().Undefined();
}

// batchNorm(x, mean, variance, offset | null, scale | null, epsilon, out, rows, channels)
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  const float* mean = in.F32();
  const float* variance = in.F32();
  const float* offset = in.F32();
  const float* scale = in.F32();
  const float epsilon = in.Flt();
  float* out = in.F32();
  const int64_t rows = in.Int(), channels = in.Int();
  K().batchnorm(x, mean, variance, offset, scale, epsilon, out, rows, channels);
  return info.Env().Undefined();
}

// batchNormTrain(x, gamma | null, beta | null, epsilon, out, mean, variance, invStd, rows, channels)
Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  const float* gamma = in.F32();
  const float* beta = in.F32();
  const float epsilon = in.Flt();
  float* out = in.F32();
  float* mean = in.F32();
  float* variance = in.F32();
  float* inv_std = in.F32();
  const int64_t rows = in.Int(), channels = in.Int();
  K().batchnorm_train(x, gamma, beta, epsilon, out, mean, variance, inv_std, rows, channels);
  return info.Env().Undefined();
}

// batchNormBackward(dy, x, mean, invStd, gamma | null, dx | null, dgamma, dbeta, rows, channels)
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* dy = in.F32();
  const float* x = in.F32();
  const float* mean = in.F32();
  const float* inv_std = in.F32();
  const float* gamma = in.F32();
  float* dx = in.F32();
  float* dgamma = in.F32();
  float* dbeta = in.F32();
  const int64_t rows = in.Int(), channels = in.Int();
  K().batchnorm_backward(dy, x, mean, inv_std, gamma, dx, dgamma, dbeta, rows, channels);
  return info.Env().Undefined();
}

// maxPool(x, out, shape)
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  float* out = in.F32();
  const fnn::ConvShape shape = in.Shape();
  K().max_pool(shape, x, out);
  return info.Env().Undefined();
}

// maxPoolGrad(dy, x, dx, shape)
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* dy = in.F32();
  const float* x = in.F32();
  float* dx = in.F32();
  const fnn::ConvShape shape = in.Shape();
  K().max_pool_grad(shape, dy, x, dx);
  return info.Env().Undefined();
}

// maxPoolArgmax(x, out, argmax, shape): disjoint windows only (the caller checks).
Napi::Value MaxPoolArgmax(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  float* out = in.F32();
  int8_t* argmax = reinterpret_cast<int8_t*>(in.U8());
  const fnn::ConvShape shape = in.Shape();
  K().max_pool_argmax(shape, x, out, argmax);
  return info.Env().Undefined();
}

// maxPoolGradArgmax(dy, argmax, dx, shape): from maxPoolArgmax's record, same shape.
Napi::Value MaxPoolGradArgmax(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* dy = in.F32();
  const int8_t* argmax = reinterpret_cast<const int8_t*>(in.U8());
  float* dx = in.F32();
  const fnn::ConvShape shape = in.Shape();
  K().max_pool_grad_argmax(shape, dy, argmax, dx);
  return info.Env().Undefined();
}

// conv2d(x, filter, bias | null, activation, out, shape) → false when tfjs-cpu must compute it
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  const float* filter = in.F32();
  const float* bias = in.F32();
  const int activation = in.Code();
  float* out = in.F32();
  const fnn::ConvShape shape = in.Shape();
  return Napi::Boolean::New(info.Env(), K().conv2d(shape, x, filter, bias, activation, out));
}

// conv2dBackpropInput(dy, filter, dx, shape)
Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* dy = in.F32();
  const float* filter = in.F32();
  float* dx = in.F32();
  const fnn::ConvShape shape = in.Shape();
  K().conv2d_backprop_input(shape, dy, filter, dx);
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dfilter, shape) → false when tfjs-cpu must compute it
Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  const float* dy = in.F32();
  float* dfilter = in.F32();
  const fnn::ConvShape shape = in.Shape();
  return Napi::Boolean::New(info.Env(), K().conv2d_backprop_filter(shape, x, dy, dfilter));
}

// dropout(x | null, y | null, mask, threshold, scale, seed) → the stream's state: @fnn/core's
// fillDropoutMask into mask, bit for bit (a mulberry32 stream from `seed`, mask[i] = u32 >=
// threshold ? scale : 0), and y = x·mask unless x is null.
Napi::Value Dropout(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  float* y = in.F32();
  Napi::Float32Array mask = in.F32Array();
  const uint32_t threshold = in.U32();
  const float scale = in.Flt();
  const uint32_t seed = in.U32();
  const uint32_t state =
      K().dropout(x, y, mask.Data(), static_cast<int64_t>(mask.ElementLength()), threshold, scale, seed);
  return Napi::Number::New(info.Env(), state);
}

// denseBackward(x, y, dy, w, dw, db | null, dx | null, rows, inDim, units, activation): a Dense
// layer's whole backward pass in one call. dz = activation'·dy goes to scratch (dy itself when
// linear), then dw = xᵀ·dz, db = Σ_rows dz and dx = dz·wᵀ, each through the same kernel the
// separate ops use, so the bits are theirs.
Napi::Value DenseBackward(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  const float* y = in.F32();
  const float* dy = in.F32();
  const float* w = in.F32();
  float* dw = in.F32();
  float* db = in.F32();
  float* dx = in.F32();
  const int64_t rows = in.Int(), in_dim = in.Int(), units = in.Int();
  const int activation = in.Code();
  const float* dz = dy;
  if (activation != fnn::kLinear) {
    float* scratch = fnn_scratch(fnn::kScratchDenseDz, static_cast<size_t>(rows * units));
    K().activation_backward(activation, dy, y, scratch, rows, units);
    dz = scratch;
  }
  K().gemm(in_dim, units, rows, x, 1, in_dim, dz, units, 1, dw, units, nullptr, fnn::kLinear);
  if (db) K().sum_rows(dz, db, rows, units);
  if (dx && rows >= 16 && in_dim >= 2 * rows) {
    // dxᵀ = w·dzᵀ: w is read in place and only dz is packed, instead of packing all of wᵀ (a
    // strided copy of the kernel on every call); same products in the same order, same bits.
    float* dxt = fnn_scratch(fnn::kScratchDenseDxTransposed, static_cast<size_t>(in_dim * rows));
    K().gemm(in_dim, rows, units, w, units, 1, dz, 1, units, dxt, rows, nullptr, fnn::kLinear);
    K().transpose(dxt, dx, 1, in_dim, rows);
  } else if (dx) {
    K().gemm(rows, in_dim, units, dz, units, 1, w, 1, units, dx, in_dim, nullptr, fnn::kLinear);
  }
  return info.Env().Undefined();
}

// conv2dReluBackward(x, dy, y, filter, dfilter, db | null, dx | null, shape) → false when the
// caller must materialise dz and run the separate kernels.
Napi::Value Conv2DReluBackward(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  const float* dy = in.F32();
  const float* y = in.F32();
  const float* filter = in.F32();
  float* dfilter = in.F32();
  float* db = in.F32();
  float* dx = in.F32();
  const fnn::ConvShape shape = in.Shape();
  return Napi::Boolean::New(info.Env(), K().conv2d_relu_backward(shape, x, dy, y, filter, dfilter, db, dx));
}

// conv2dReluMaxPool(x, filter, bias | null, out, argmax, convShape, poolShape) → -1 when the
// caller must run the separate kernels, else 1 when the convolution's output held a NaN, 0 if not.
Napi::Value Conv2DReluMaxPool(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  const float* filter = in.F32();
  const float* bias = in.F32();
  float* out = in.F32();
  int8_t* argmax = reinterpret_cast<int8_t*>(in.U8());
  const fnn::ConvShape shape = in.Shape();
  const fnn::ConvShape pool = in.Shape();
  return Napi::Number::New(info.Env(), K().conv2d_relu_max_pool(shape, pool, x, filter, bias, out, argmax));
}

// conv2dReluMaxPoolBackward(x, dp, pooled, argmax, filter, dfilter, db | null, dx | null,
// convShape, poolShape) → false when the caller must run the separate kernels.
Napi::Value Conv2DReluMaxPoolBackward(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* x = in.F32();
  const float* dp = in.F32();
  const float* pooled = in.F32();
  const int8_t* argmax = reinterpret_cast<const int8_t*>(in.U8());
  const float* filter = in.F32();
  float* dfilter = in.F32();
  float* db = in.F32();
  float* dx = in.F32();
  const fnn::ConvShape shape = in.Shape();
  const fnn::ConvShape pool = in.Shape();
  return Napi::Boolean::New(info.Env(), K().conv2d_relu_max_pool_backward(shape, pool, x, dp, pooled, argmax, filter,
                                                                          dfilter, db, dx));
}

// reluBackwardBias(dy, y, dz, db | null, rows, cout): a relu layer's dz and bias gradient in one pass.
Napi::Value ReluBackwardBias(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* dy = in.F32();
  const float* y = in.F32();
  float* dz = in.F32();
  float* db = in.F32();
  const int64_t rows = in.Int(), cout = in.Int();
  K().relu_backward_bias(dy, y, dz, db, rows, cout);
  return info.Env().Undefined();
}

// categoricalCrossentropy(t, p, grad | null, rows, cols, lo, hi, negInvRows) → the mean loss.
Napi::Value CategoricalCrossentropy(const Napi::CallbackInfo& info) {
  Args in(info);
  const float* targets = in.F32();
  const float* probs = in.F32();
  float* grad = in.F32();
  const int64_t rows = in.Int(), cols = in.Int();
  const float lo = in.Flt(), hi = in.Flt(), neg_inv_rows = in.Flt();
  const float loss = K().categorical_crossentropy(targets, probs, grad, rows, cols, lo, hi, neg_inv_rows);
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
  exports["maxPoolArgmax"] = Napi::Function::New(env, MaxPoolArgmax);
  exports["maxPoolGradArgmax"] = Napi::Function::New(env, MaxPoolGradArgmax);
  exports["conv2d"] = Napi::Function::New(env, Conv2D);
  exports["conv2dBackpropInput"] = Napi::Function::New(env, Conv2DBackpropInput);
  exports["conv2dBackpropFilter"] = Napi::Function::New(env, Conv2DBackpropFilter);
  exports["dropout"] = Napi::Function::New(env, Dropout);
  exports["denseBackward"] = Napi::Function::New(env, DenseBackward);
  exports["conv2dReluBackward"] = Napi::Function::New(env, Conv2DReluBackward);
  exports["conv2dReluMaxPool"] = Napi::Function::New(env, Conv2DReluMaxPool);
  exports["conv2dReluMaxPoolBackward"] = Napi::Function::New(env, Conv2DReluMaxPoolBackward);
  exports["reluBackwardBias"] = Napi::Function::New(env, ReluBackwardBias);
  exports["categoricalCrossentropy"] = Napi::Function::New(env, CategoricalCrossentropy);
  return exports;
}

}  // namespace

// Per-thread scratch (each worker thread is its own OS thread), one buffer per ScratchSlot,
// 64-byte aligned, grown on demand.
extern "C" float* fnn_scratch(fnn::ScratchSlot slot, size_t floats) {
  struct Buffers {
    float* data[fnn::kScratchSlotCount] = {};
    size_t size[fnn::kScratchSlotCount] = {};
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
