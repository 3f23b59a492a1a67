// The kernel table every instruction-set build fills in (isa_kernel_table.h over the family
// headers, compiled once per ISA with its own flags) and addon.cc picks from at load time with
// __builtin_cpu_supports.
#pragma once
#include <cstddef>
#include <cstdint>

namespace fnn {

enum BinaryOp : int { kAdd = 0, kSub, kMul, kDiv, kMax, kMin, kSquaredDiff, kBinaryOpCount };
enum CompareOp : int { kGreater = 0, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual, kCompareOpCount };
enum UnaryOp : int {
  kRelu = 0, kStep, kExp, kLog, kNeg, kSqrt, kSquare, kSigmoid, kTanh, kRsqrt, kAbs, kReciprocal, kRelu6, kUnaryOpCount
};
// How the second operand of a binary op is laid out relative to the output [outer, inner]:
// same shape, a scalar, a row vector repeated over outer (bias), or a column (one per row).
enum Broadcast : int { kSame = 0, kScalarB, kScalarA, kRowB, kRowA, kColB, kColA };
enum Activation : int { kLinear = 0, kActRelu = 1, kActSoftmax = 2 };

// The geometry of a 2-D convolution or pooling window over NHWC images (tfjs's Conv2DInfo):
// x [batch, h, w, cin], output [batch, oh, ow, cout] (cout = cin for pooling), a filter of fh x fw
// taps, strides, the padding before the first row and column, and dilations.
struct ConvShape {
  int64_t batch, h, w, cin, oh, ow, cout, fh, fw, sh, sw, pad_top, pad_left, dh, dw;
};

struct KernelTable {
  const char* isa;
  // C[M,N] = A·B (+ bias[N]) (then relu). A(i,k) = a[i*a_rs + k*a_cs], B(k,j) = b[k*b_rs + j*b_cs];
  // C is dense row-major with row stride ldc.
  void (*gemm)(int64_t M, int64_t N, int64_t K, const float* a, int64_t a_rs, int64_t a_cs, const float* b,
               int64_t b_rs, int64_t b_cs, float* c, int64_t ldc, const float* bias, int activation);
  // out[o, i] = a ∘ b for o < outer, i < inner, with `mode` telling which operand broadcasts.
  void (*binary)(int op, int mode, const float* a, const float* b, float* out, int64_t outer, int64_t inner);
  void (*compare)(int op, int mode, const float* a, const float* b, uint8_t* out, int64_t outer, int64_t inner);
  void (*unary)(int op, const float* x, float* out, int64_t n, float alpha);
  void (*select)(const uint8_t* cond, const float* a, const float* b, float* out, int64_t n);
  void (*softmax)(const float* x, float* out, int64_t rows, int64_t cols);
  // Reductions of a [rows, cols] matrix: over rows (one value per column) or over cols.
  void (*sum_rows)(const float* x, float* out, int64_t rows, int64_t cols);
  void (*reduce_cols)(int op, const float* x, float* out, int64_t rows, int64_t cols);  // op: 0 sum, 1 max, 2 min, 3 mean
  void (*argmax_cols)(const float* x, int32_t* out, int64_t rows, int64_t cols);
  void (*transpose)(const float* x, float* out, int64_t batch, int64_t rows, int64_t cols);
  // one_minus_* are 1 - beta computed in double: 1 - 0.999f in float is off by 1e-5 relative.
  void (*adam)(float* p, const float* g, float* m, float* v, int64_t n, float lr_t, float beta1, float beta2,
               float one_minus_beta1, float one_minus_beta2, float epsilon);
  void (*sgd)(float* p, const float* g, float* velocity, int64_t n, float lr, float momentum, int nesterov);
  void (*rmsprop)(float* p, const float* g, float* ms, float* mom, int64_t n, float lr, float rho,
                  float one_minus_rho, float momentum, float epsilon);
  // y = (x - mean) * scale / sqrt(var + eps) + offset over the last axis (C channels).
  void (*batchnorm)(const float* x, const float* mean, const float* var, const float* offset, const float* scale,
                    float eps, float* out, int64_t rows, int64_t channels);
  // Training-mode batch norm: per-channel mean/variance of x, normalised output, saves mean and 1/std.
  void (*batchnorm_train)(const float* x, const float* gamma, const float* beta, float eps, float* out,
                          float* mean, float* var, float* inv_std, int64_t rows, int64_t channels);
  // Its backward: dx, dgamma, dbeta from dy, x and the saved mean and 1/std.
  void (*batchnorm_backward)(const float* dy, const float* x, const float* mean, const float* inv_std,
                             const float* gamma, float* dx, float* dgamma, float* dbeta, int64_t rows,
                             int64_t channels);
  // Max pooling over s's windows (padding never wins) and its gradient: each window's dy goes to
  // its first strict maximum in scan order (none when every value is NaN or -Infinity), as tfjs-cpu.
  void (*max_pool)(const ConvShape& s, const float* x, float* out);
  void (*max_pool_grad)(const ConvShape& s, const float* dy, const float* x, float* dx);
  // The same for windows that never overlap (of at most 127 taps), the forward pass also recording
  // each output's argmax (its window offset, -1 for none) for a backward pass that only scatters dy.
  void (*max_pool_argmax)(const ConvShape& s, const float* x, float* out, int8_t* argmax);
  void (*max_pool_grad_argmax)(const ConvShape& s, const float* dy, const int8_t* argmax, float* dx);
  // Convolution, filter [fh, fw, cin, cout]: out = x * filter (+ bias[cout]) (then relu); its input
  // gradient dx from dy; its filter gradient from x and dy. The forward pass and the filter
  // gradient return false, writing nothing, when a window reaches into the padding and the filter
  // (forward) or dy (filter gradient) holds a NaN or an infinity: tfjs-cpu skips padded taps, so
  // only its own loops give its result there (0 x Inf would be NaN here).
  bool (*conv2d)(const ConvShape& s, const float* x, const float* filter, const float* bias, int activation,
                 float* out);
  void (*conv2d_backprop_input)(const ConvShape& s, const float* dy, const float* filter, float* dx);
  bool (*conv2d_backprop_filter)(const ConvShape& s, const float* x, const float* dy, float* dfilter);
  // A relu convolution's filter gradient, bias gradient (db may be null) and input gradient (dx
  // may be null) from x, its output y and dy, dz = dy·step(y) never materialised: the bits of
  // the separate kernels. Returns false, writing nothing, for a 1x1 pointwise convolution or
  // windows reaching into the padding (the caller then runs the separate kernels).
  bool (*conv2d_relu_backward)(const ConvShape& s, const float* x, const float* dy, const float* y,
                               const float* filter, float* dfilter, float* db, float* dx);
  // Its dz = dy·step(y) over [rows, cout] materialised, and db = Σ_rows dz (if db is non-null) in
  // the same pass, with the bits of Step, Multiply and Sum.
  void (*relu_backward_bias)(const float* dy, const float* y, float* dz, float* db, int64_t rows, int64_t cout);
  // Conv2D(relu) s then a max pool p over its output whose windows tile it (strides = window, no
  // padding), the convolution's output kept in cache: the pooled output and its argmax record;
  // returns -1 (nothing written) where conv2d returns false, else whether that output held a NaN.
  int (*conv2d_relu_max_pool)(const ConvShape& s, const ConvShape& p, const float* x, const float* filter,
                              const float* bias, float* out, int8_t* argmax);
  // Its backward pass from the pooled output, its gradient dp and the record (made without a
  // NaN): the bits of max_pool_grad_argmax then conv2d_relu_backward. False, writing nothing,
  // where conv2d_relu_backward returns false.
  bool (*conv2d_relu_max_pool_backward)(const ConvShape& s, const ConvShape& p, const float* x, const float* dp,
                                        const float* pooled, const int8_t* argmax, const float* filter,
                                        float* dfilter, float* db, float* dx);
  // A Dense layer's dz from its output y and upstream dy ([rows, cols]): linear copies dy, relu is
  // dy·step(y), softmax is y·(dy − Σ_row dy·y): the roundings of the separate ops, fused.
  void (*activation_backward)(int activation, const float* dy, const float* y, float* dz, int64_t rows, int64_t cols);
  // Keras categorical cross-entropy of probabilities p against targets t ([rows, cols]), with the
  // roundings of its composite ops: returns the mean loss, and writes d(loss)/dp into grad if non-null.
  float (*categorical_crossentropy)(const float* t, const float* p, float* grad, int64_t rows, int64_t cols, float lo,
                                    float hi, float neg_inv_rows);
  // Inverted-dropout mask from a mulberry32 stream seeded by `seed`: mask[i] = u32 >= threshold ?
  // scale : 0, and y = x·mask when x is non-null. Returns the stream's state after n draws.
  uint32_t (*dropout)(const float* x, float* y, float* mask, int64_t n, uint32_t threshold, float scale, uint32_t seed);
};

extern const KernelTable kTableAvx512;
extern const KernelTable kTableAvx2;
extern const KernelTable kTablePortable;

// The per-thread scratch buffers (fnn_scratch), one per use: two uses that can be live at once
// (a gemm inside DenseBackward, say) must never share a slot.
enum ScratchSlot : int {
  kScratchGemmPanel = 0,      // gemm: the packed K x NR panel of B (every gemm call)
  kScratchBatchNormChannels,  // batch norm: per-channel factors and shifts, or squared-deviation sums
  kScratchConvColumns,        // convolutions: one cache-sized block of the im2col matrix (or its gradient)
  kScratchConvFilterT,        // conv2d_backprop_input: the filter transposed to [cout, taps]
  kScratchConvPartial,        // conv2d_backprop_filter: one block's filter gradient before it is added,
                              // or the direct paths' filter-gradient double sums
  kScratchDenseDz,            // DenseBackward: dz = activation'(y)·dy, read by its gemms
  kScratchConvDz,             // conv2d_relu_backward: one block's dz = dy·step(y)
  kScratchConvBiasSums,       // conv2d_relu_backward, relu_backward_bias: the bias gradient's double sums
  kScratchDenseDxTransposed,  // DenseBackward: dxᵀ = w·dzᵀ before it is transposed into dx
  kScratchConvPoolTile,       // conv2d_relu_max_pool: a tile of the convolution's output, pooled from cache
  kScratchSlotCount
};

}  // namespace fnn

// Scratch memory owned by the calling thread, 64-byte aligned, grown on demand and kept (defined
// in addon.cc, compiled without ISA flags so no standard-library code built for a wider ISA leaks
// into the portable path).
extern "C" float* fnn_scratch(fnn::ScratchSlot slot, size_t floats);
