// Every kernel, written once over GCC/Clang vector extensions of FNN_W floats and compiled once
// per instruction set (isa_avx512.cc, isa_avx2.cc, isa_portable.cc) with that file's flags; this
// header gathers the kernel families into that instruction set's KernelTable (kernels.h).
// Everything in the families has internal linkage and uses no standard-library templates, so no
// code built for a wider ISA can be merged by the linker into the path a narrower CPU runs.
// Summation orders are fixed (no threads, no data-dependent blocking): same input, same bits.
#include "batch_norm.h"
#include "conv_backward.h"
#include "conv_pool.h"
#include "convolution.h"
#include "elementwise.h"
#include "gemm.h"
#include "kernels.h"
#include "optimizers.h"
#include "pooling.h"
#include "pooling_argmax.h"
#include "reductions.h"
#include "training_fusions.h"
#include "transpose.h"

#ifndef FNN_TABLE
#error "FNN_TABLE and FNN_ISA_NAME must be defined by the including file"
#endif

namespace fnn {
extern const KernelTable FNN_TABLE = {
    FNN_ISA_NAME, gemm,    binary,    compare, unary, select,          softmax,
    sum_rows,     reduce_cols, argmax_cols, transpose, adam, sgd, rmsprop, batchnorm, batchnorm_train,
    batchnorm_backward, max_pool, max_pool_grad, max_pool_argmax, max_pool_grad_argmax, conv2d, conv2d_backprop_input, conv2d_backprop_filter, conv2d_relu_backward, relu_backward_bias, conv2d_relu_max_pool, conv2d_relu_max_pool_backward,
    activation_backward, categorical_crossentropy, dropout,
};
}  // namespace fnn
