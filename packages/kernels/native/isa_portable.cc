// Portable build of the kernels: the baseline ISA of the target (SSE2 on x86-64, NEON on arm64).
#define FNN_W 4
#define FNN_TABLE kTablePortable
#define FNN_ISA_NAME "portable"
#include "isa_kernel_table.h"
