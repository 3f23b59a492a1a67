// AVX-512 build of the kernels (compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma).
#define FNN_W 16
#define FNN_TABLE kTableAvx512
#define FNN_ISA_NAME "avx512"
#include "isa_kernel_table.h"
