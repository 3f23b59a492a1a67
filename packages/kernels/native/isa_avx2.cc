// AVX2 + FMA build of the kernels (compiled with -mavx2 -mfma).
#define FNN_W 8
#define FNN_TABLE kTableAvx2
#define FNN_ISA_NAME "avx2"
#include "isa_kernel_table.h"
