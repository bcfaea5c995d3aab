/* the AVX2 side of same.c: vt_avx2.h's loops (compile with -mavx2 -mfma) */
#include "vt_avx2.h"
void s2_gelu(const float *x, float *y, long n) { vt2_gelu_f(x, y, n); }
void s2_gelu_grad(const float *x, float *y, long n) { vt2_gelu_grad_d1_f(x, y, n); }
void s2_silu_grad(const float *x, float *y, long n) { vt2_silu_grad_d1_f(x, y, n); }
